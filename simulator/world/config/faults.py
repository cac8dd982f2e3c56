"""The `faults:` timeline's entries, generated from the fault registry (`simulator.world.faults`):
one model per kind, discriminated by `kind`, with exactly that kind's parameters — so
entries are validated, with line numbers, against what each kind takes.
"""

from __future__ import annotations

import difflib
import functools
import operator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    create_model,
)

from simulator.world.config.base import Strict, TimePoint
from simulator.world.faults import FAULT_KINDS, FaultKind


def _fault_model(kind: type[FaultKind]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "kind": (Literal[kind.name], ...),  # type: ignore[valid-type]
        "at": (TimePoint, Field(description="from the start (2h) or an aware time")),
        "until": (TimePoint | None, Field(None, description="when it ends; never when unset")),
    }
    for name, param in kind.params.items():
        typ: Any = Literal[param.choices] if param.choices else param.type  # type: ignore[valid-type]
        if param.required:
            fields[name] = (typ, Field(description=param.help or None))
        else:
            fields[name] = (typ | None, Field(None, description=param.help or None))
    model = create_model(  # type: ignore[call-overload]
        "Fault_" + kind.name, __base__=Strict, __doc__=kind.description, **fields
    )
    # importable by name, so that a scenario with faults pickles into `--workers` processes
    globals()[model.__name__] = model
    return model


FAULT_MODELS: dict[str, type[BaseModel]] = {
    name: _fault_model(kind) for name, kind in sorted(FAULT_KINDS.items())
}


def _known_kind(v: Any) -> Any:
    """Name the fault kinds (and the closest one) instead of pydantic's tag error."""
    if isinstance(v, dict):
        kinds = sorted(FAULT_KINDS)
        if "kind" not in v:
            raise ValueError(f"a fault needs 'kind: <fault kind>' ({', '.join(kinds)})")
        if not isinstance(v["kind"], str) or v["kind"] not in FAULT_KINDS:
            close = difflib.get_close_matches(str(v["kind"]), kinds, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(
                f"unknown fault kind {str(v['kind'])[:60]!r} (kinds: {', '.join(kinds)}){hint}"
            )
    return v


FaultSpec = Annotated[
    Annotated[
        functools.reduce(operator.or_, FAULT_MODELS.values()),  # type: ignore[arg-type]
        Field(discriminator="kind"),
    ],
    BeforeValidator(_known_kind),
]


def fault_params(fault: BaseModel) -> dict[str, Any]:
    """The parameters of a validated fault entry (without kind, at, until)."""
    return {
        k: v
        for k, v in fault.model_dump().items()
        if k not in ("kind", "at", "until") and v is not None
    }
