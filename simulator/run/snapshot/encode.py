"""The world's state as plain JSON data: a generic, read-only walk of the models' attributes.

Why generic: the world is dozens of model classes owned by other modules (and being split
while this is written); a snapshot that needed a `to_dict` on each would spread over all of
them and rot with every field added. Instead the walk reads what each object holds — a
dataclass's fields, a slotted class's slots, an ordinary object's `__dict__` — and never calls
a method or a property, so capturing cannot change what it captures (a cache filled by a
read would make the resumed run differ from the original).

The result (docs/snapshots.md, "The state"):

* Every object of a class of ours (`simulator.*`, `connector.*`) is one row of its class's
  table, `objects[<module.Class>]`: `fields` names the columns once, `rows` holds
  `[id, value, ...]`, so 150,000 devices do not repeat 45 field names each. Wherever an
  object is referred to, its place holds `{"$ref": id}`: shared objects and cycles (a
  mailbox and its devices) are kept as they are. Ids are given in the order of a
  breadth-first walk from the roots, which is deterministic because everything it walks is
  (dicts keep insertion order; sets are written sorted).
* Lists and tuples are lists, dicts with text keys are objects, other dicts are
  `{"$items": [[key, value], ...]}`, sets `{"$set": [...]}` (sorted).
* Values of other libraries get a tagged form (`$datetime`, `$random` with the generator's
  whole state, `$faker`, `$simpy` with the event queue, `$callable`, `$generator`,
  `$exception`, `$model` for pydantic, `$utf8` / `$b64` for bytes); anything else is
  `{"$object": "<module.Class>"}` — named, not captured — and listed in `foreign`.
* Secrets are redacted as traces redact them: a field or key whose name says it holds a
  secret (password, secret, token, ...) is `"***"`, bytes in a field named like a key
  (`machine_key`) are `"***"`, and every registered secret value is replaced in the written
  text (`redact_text`).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import operator
import random
import re
import types
from collections import Counter, deque
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import PurePath
from typing import Any

from simulator.world.trace import REDACTED, SECRET_FIELDS

OURS = ("simulator.", "connector.")
# bytes in a field named like this are key material (a host's DPAPI-like machine key)
KEY_FIELDS = (*SECRET_FIELDS, "key")
_PRIMITIVES = frozenset({str, int, float, bool, type(None)})
# how a type is written (Encoder._kind)
_REF, _LIST, _DICT, _SPECIAL, _GENERATOR, _OTHER = (object() for _ in range(6))


def _secret(name: str, words: tuple[str, ...] = SECRET_FIELDS) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


class _Layout:
    """How the rows of one class are read: its columns, and which of them hold secrets."""

    __slots__ = ("fields", "declared", "secret", "key", "by_dict", "hooks", "getter", "special")

    def __init__(self, cls: type) -> None:
        if dataclasses.is_dataclass(cls):
            names = [f.name for f in dataclasses.fields(cls)]
        elif issubclass(cls, tuple) and hasattr(cls, "_fields"):  # a NamedTuple
            names = list(cls._fields)
        else:
            names = []
            for klass in reversed(cls.__mro__):
                slots = klass.__dict__.get("__slots__", ())
                for slot in (slots,) if isinstance(slots, str) else slots:
                    if slot not in ("__dict__", "__weakref__") and slot not in names:
                        names.append(slot)
        # an object with a __dict__ beyond its declared fields keeps the rest as a mapping
        self.by_dict = not names and "__dict__" in dir(cls)
        self.fields = names
        self.declared = frozenset(names)
        self.secret = [_secret(n) for n in names]
        self.key = [_secret(n, KEY_FIELDS) for n in names]
        self.hooks: list[Any] = [None] * len(names)
        self.getter = operator.attrgetter(*names) if names else None
        self.special = [i for i in range(len(names)) if self.secret[i] or self.key[i]]

    def hook(self, hooks: list[Any]) -> None:
        """Fields written their own way (by the encoder's `fields`)."""
        self.hooks = hooks
        self.special = [
            i for i in range(len(hooks)) if hooks[i] is not None or self.secret[i] or self.key[i]
        ]


class Encoder:
    """One walk of an object graph into tables (see the module's docstring)."""

    def __init__(
        self,
        special: dict[type, Any] | None = None,
        fields: dict[tuple[type, str], Any] | None = None,
    ) -> None:
        # classes of ours written their own way (the trace: its size and count, never its
        # lines or its secrets): type -> function(object) -> JSON value
        self.special: dict[type, Any] = special or {}
        # single fields written their own way: (type, field) -> function(value) -> JSON value
        self.field_hooks: dict[tuple[type, str], Any] = fields or {}
        # simpy events of these types are left out of the queue written (the runner's checks
        # of expectations: the run's record, not the world's)
        self.skip_events: tuple[type, ...] = ()
        self.ids: dict[int, int] = {}
        self.pending: deque[Any] = deque()
        self.tables: dict[str, dict[str, Any]] = {}
        self.layouts: dict[type, _Layout] = {}
        self.names: dict[type, str] = {}
        self.foreign: Counter[str] = Counter()
        self.kinds: dict[type, object] = {}
        self.alive: list[Any] = []  # what an id stands for stays alive while ids are given

    # -- the walk ---------------------------------------------------------------------------
    def encode(self, roots: dict[str, Any]) -> dict[str, Any]:
        """The roots (encoded in order) and every object of ours they reach, as tables."""
        encoded = {name: self.value(root) for name, root in roots.items()}
        pending = self.pending
        while pending:
            self._row(pending.popleft())
        return {
            "roots": encoded,
            "objects": self.tables,
            "foreign": dict(sorted(self.foreign.items())),
        }

    def _ref(self, obj: Any) -> dict[str, int]:
        key = id(obj)
        number = self.ids.get(key)
        if number is None:
            number = self.ids[key] = len(self.ids)
            self.alive.append(obj)
            self.pending.append(obj)
        return {"$ref": number}

    def _row(self, obj: Any) -> None:
        cls = type(obj)
        layout = self.layouts.get(cls)
        if layout is None:
            layout = self.layouts[cls] = _Layout(cls)
            layout.hook([self.field_hooks.get((cls, name)) for name in layout.fields])
            self.names[cls] = f"{cls.__module__}.{cls.__qualname__}"
        name = self.names[cls]
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = {"fields": list(layout.fields), "rows": []}
        number = self.ids[id(obj)]
        if layout.by_dict:
            table["rows"].append([number, self._mapping(vars(obj))])
            return
        value = self.value
        row: list[Any] | None = None
        if layout.getter is not None:
            try:
                got = layout.getter(obj)
            except AttributeError:  # a slot never set: the careful path below says so
                got = _MISSING
            if got is not _MISSING:
                if len(layout.fields) == 1:
                    got = (got,)
                row = [number]
                row += [x if type(x) in _PRIMITIVES else value(x) for x in got]
                for i in layout.special:  # secret, key and hooked columns, from the raw value
                    row[i + 1] = self._column(layout, i, got[i])
        if row is None:
            row = self._careful(obj, layout, number)
        extra = getattr(obj, "__dict__", None)
        if extra:
            declared = layout.declared
            rest = {k: v for k, v in extra.items() if k not in declared}
            if rest:
                row.append({"$extra": self._mapping(rest)})
        table["rows"].append(row)

    def _column(self, layout: _Layout, i: int, v: Any) -> Any:
        """A column that is not written as it is: a hook's, or a secret redacted."""
        hook = layout.hooks[i]
        if hook is not None:
            return hook(v)
        if (layout.secret[i] and _holds_secret(v)) or (
            layout.key[i] and isinstance(v, bytes | bytearray)
        ):
            return REDACTED
        return self.value(v)

    def _careful(self, obj: Any, layout: _Layout, number: int) -> list[Any]:
        """A row field by field: unset slots, secret fields, fields written their own way."""
        row: list[Any] = [number]
        value = self.value
        missing = _MISSING
        for field, secret, key, hook in zip(
            layout.fields, layout.secret, layout.key, layout.hooks, strict=True
        ):
            v = getattr(obj, field, missing)
            if hook is not None and v is not missing:
                row.append(hook(v))
            elif v is missing:
                row.append({"$unset": True})
            elif (secret and _holds_secret(v)) or (key and isinstance(v, bytes | bytearray)):
                row.append(REDACTED)
            else:
                row.append(value(v))
        return row

    # -- values -------------------------------------------------------------------------------
    def value(self, v: Any) -> Any:
        t = type(v)
        if t in _PRIMITIVES:
            return v
        kind = self.kinds.get(t)
        if kind is None:
            kind = self.kinds[t] = self._kind(t)
        if kind is _REF:
            number = self.ids.get(id(v))
            if number is None:
                return self._ref(v)
            return {"$ref": number}
        if kind is _LIST:
            value = self.value
            return [x if type(x) in _PRIMITIVES else value(x) for x in v]
        if kind is _DICT:
            return self._mapping(v)
        if kind is _SPECIAL:
            return self.special[t](v)
        if kind is _GENERATOR:
            return self._generator(v)
        return self._other(v, t)

    def _kind(self, t: type) -> object:
        """How values of type `t` are written (decided once per type)."""
        if t is list or t is tuple:
            return _LIST
        if t is dict:
            return _DICT
        if issubclass(t, list | tuple | dict | set | frozenset):  # our subclasses of them too
            return _OTHER
        if t in self.special:
            return _SPECIAL
        if issubclass(t, types.GeneratorType):
            return _GENERATOR
        if (
            t.__module__.startswith(OURS)
            and not issubclass(t, BaseException | Enum)
            and not hasattr(t, "model_fields")  # pydantic: its data, in _other
        ):
            return _REF
        return _OTHER

    def _mapping(self, d: dict[Any, Any]) -> Any:
        value = self.value
        if all(type(k) is str for k in d):
            out: dict[str, Any] = {}
            secret = _secret_key
            for k, v in d.items():
                if type(v) in _PRIMITIVES and (v is None or type(v) is not str or not secret(k)):
                    out[k] = v
                elif secret(k) and _holds_secret(v):
                    out[k] = REDACTED
                else:
                    out[k] = value(v)
            return out
        return {"$items": [[value(k), value(v)] for k, v in d.items()]}

    def _other(self, v: Any, t: type) -> Any:
        if isinstance(v, list | tuple | deque):
            return [self.value(x) for x in v]
        if isinstance(v, dict):  # Counter, defaultdict, OrderedDict
            return self._mapping(dict(v))
        if isinstance(v, set | frozenset):
            return {"$set": self._sorted([self.value(x) for x in v])}
        if isinstance(v, Enum):
            return {"$enum": f"{t.__qualname__}.{v.name}"}
        if isinstance(v, datetime):
            return {"$datetime": v.isoformat()}
        if isinstance(v, date):
            return {"$date": v.isoformat()}
        if isinstance(v, timedelta):
            return {"$timedelta": v.total_seconds()}
        if isinstance(v, bytes | bytearray):
            try:
                return {"$utf8": bytes(v).decode("utf-8")}
            except UnicodeDecodeError:
                return {"$b64": base64.b64encode(bytes(v)).decode("ascii")}
        if isinstance(v, random.Random):
            version, internal, gauss = v.getstate()
            return {"$random": [version, list(internal), gauss]}
        if isinstance(v, BaseException):
            return {
                "$exception": f"{t.__module__}.{t.__qualname__}",
                "message": str(v),
                "fields": self._mapping(dict(vars(v))),
            }
        if isinstance(v, types.GeneratorType):
            return self._generator(v)
        if isinstance(
            v, types.FunctionType | types.MethodType | types.BuiltinFunctionType | type
        ) or (callable(v) and t.__name__ == "partial"):
            target = getattr(v, "func", v)
            return {"$callable": getattr(target, "__qualname__", repr(target))}
        if isinstance(v, re.Pattern):
            return {"$re": v.pattern}
        if isinstance(v, PurePath):
            return {"$path": str(v)}
        special = _SPECIAL.get(t.__module__.split(".", 1)[0])
        if special is not None:
            return special(self, v)
        if hasattr(v, "model_dump") and hasattr(type(v), "model_fields"):  # pydantic
            return {
                "$model": f"{t.__module__}.{t.__qualname__}",
                "data": self.value(v.model_dump(mode="json")),
            }
        name = f"{t.__module__}.{t.__qualname__}"
        self.foreign[name] += 1
        return {"$object": name}

    def _generator(self, g: Any) -> dict[str, Any]:
        frame = g.gi_frame
        return {
            "$generator": g.__qualname__,
            "line": frame.f_lineno if frame is not None else None,
        }

    @staticmethod
    def _sorted(items: list[Any]) -> list[Any]:
        """A set's members in a stable order whatever the hash seed: primitives by value, the
        rest by their JSON text."""
        if all(type(x) in (str, int, float, bool) for x in items):
            try:
                return sorted(items)
            except TypeError:  # mixed types
                pass
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, default=str))


_MISSING = object()


def _holds_secret(v: Any) -> bool:
    """Whether a value in a secret-named field is worth hiding: text, bytes or a non-empty
    container (a flag such as `password_expired` or a number says nothing secret)."""
    if v is None or isinstance(v, bool | int | float):
        return False
    return bool(v) if isinstance(v, str | bytes | list | tuple | dict | set) else True


_SECRET_KEYS: dict[str, bool] = {}


def _secret_key(key: str) -> bool:
    known = _SECRET_KEYS.get(key)
    if known is None:
        known = _secret(key)
        if len(_SECRET_KEYS) < 4096:
            _SECRET_KEYS[key] = known
    return known


def _simpy(enc: Encoder, v: Any) -> Any:
    """simpy's environment with its queue (what is due, in the order it will run), an event
    or a process: described, since a waiting generator cannot be written down."""
    import simpy

    if isinstance(v, simpy.Environment):
        # in the order the events will run; their ids only order them (a fork that started
        # other expectation checks has other ids for the same world), so they are not written
        queue = sorted(v._queue, key=lambda e: (e[0], e[1], e[2]))
        return {
            "$simpy": "environment",
            "now": v.now,
            "queue": [
                [when, priority, _event(event)]
                for when, priority, _, event in queue
                if not isinstance(event, enc.skip_events)
            ],
        }
    return {"$simpy": _event(v)}


def _event(event: Any) -> Any:
    """An event as the queue holds it: its type, and the processes it will resume."""
    waiting = []
    for callback in event.callbacks or ():
        owner = getattr(callback, "__self__", None)
        generator = getattr(owner, "_generator", None)
        if generator is not None:
            waiting.append(generator.__qualname__)
    if hasattr(event, "_generator"):
        return {"process": event._generator.__qualname__, "waiting": waiting}
    return {"event": type(event).__name__, "triggered": event.triggered, "waiting": waiting}


def _faker(enc: Encoder, v: Any) -> Any:
    """A seeded Faker: only its generator's state matters for what it draws next."""
    rnd = getattr(v, "random", None)
    if isinstance(rnd, random.Random):
        return {"$faker": enc.value(rnd)}
    enc.foreign[f"{type(v).__module__}.{type(v).__qualname__}"] += 1
    return {"$object": f"{type(v).__module__}.{type(v).__qualname__}"}


_SPECIAL = {"simpy": _simpy, "faker": _faker}


def redact_text(text: str, secrets: set[str]) -> str:
    """`text` (JSON) with every secret value replaced, as JSON writes it inside a string."""
    for secret in sorted(secrets, key=len, reverse=True):
        written = json.dumps(secret)[1:-1]
        if written in text:
            text = text.replace(written, REDACTED)
    return text
