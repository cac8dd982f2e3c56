"""A scenario from a seed: a world, a fault timeline, administrator actions and device churn.

Why a scenario *file* and not a world built in code: every generated case is then something
a person can read, run with `exchange-twin run`, shrink by deleting lines and attach to a
ticket. The generator only uses the scenario language's own building blocks (world
sections, `faults:`, steps), so whatever it can express, a person could have written.

Every run has three phases:

1. **set-up** (at the start): the package, setup, the wizard — with the real settings;
2. **turbulence** (`days` long): faults of every kind at random moments, overlapping, some
   starting while a job runs; administrator actions (reconfigure, replace the connector,
   licences and groups, wipes, conditional access, console syncs) and device churn;
3. **repair and quiet** (the last hours): every fault has ended; the administrator puts
   right what faults leave behind (a moved proxy, a rotated password, an expired connector
   certificate: reconfigure with the settings that now work), asks for a full sync, and
   the run goes on long enough for the connector to converge. The `repair` moment is
   recorded so that temporal invariants can say "within one poll interval of it".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

SVC = "CONTOSO\\svc-intune"
SVC_PASSWORD = "P@ssw0rd-svc!"
PROXY_PASSWORD = "Pr0xy-2016!"
ADMIN = "admin@contoso.onmicrosoft.com"
ADMIN_PASSWORD = "Adm1n-2016!"
EXCHANGE_VERSIONS = ("2010 SP3", "2013 CU12", "2016 CU3")
PROFILES = ("2016", "2018")
GROUP = "Mobile Users"
HOUR = 3600


@dataclass(frozen=True)
class Options:
    """What a sweep varies: the span of the turbulence and the versions/profiles drawn from."""

    days: float = 1.0
    profiles: tuple[str, ...] = PROFILES
    exchange: tuple[str, ...] = EXCHANGE_VERSIONS


@dataclass
class Generated:
    """A generated scenario (as data) and the facts the invariants need about its plan."""

    seed: int
    scenario: dict[str, Any]
    repair_at: float  # seconds from the start: faults over, settings put right
    end_at: float

    @property
    def secrets(self) -> list[str]:
        """Every value the scenario gives under a key that names a secret (passwords, ...)."""
        return secrets_of(self.scenario)


SECRET_KEYS = ("password", "secret")


def secrets_of(data: Any) -> list[str]:
    """Every value of `data` under a key that names a secret, each once, sorted."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif (
            isinstance(value, str)
            and any(s in key.lower() for s in SECRET_KEYS)
            and len(value) >= 4
        ):
            found.append(value)

    walk(data)
    return sorted(set(found))


def _span(seconds: float) -> str:
    """Whole seconds as a duration the language reads (`3725s`)."""
    return f"{int(seconds)}s"


class _Draw:
    """The generator's choices, all from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"explore:{seed}")

    def moment(self, low: float, high: float) -> float:
        return float(int(self.rng.uniform(low, high)))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def generate(
    seed: int, options: Options | None = None, base: dict[str, Any] | None = None
) -> Generated:
    """The scenario of `seed`. `base` (a scenario as data) supplies a world to start from:
    its `world:` replaces the generated one, everything else is generated around it."""
    opts = options or Options()
    d = _Draw(seed)
    rng = d.rng
    profile = rng.choice(opts.profiles)
    version = rng.choice(opts.exchange)
    servers = [
        {"name": f"EX0{i + 1}", "roles": ["ClientAccess", "Mailbox"]}
        for i in range(rng.choice((1, 1, 2, 3)))
    ]
    use_proxy = d.chance(0.5)
    proxy_auth = use_proxy and d.chance(0.5)
    named_users = rng.randint(2, 5)
    targeted_group = d.chance(0.4)

    accounts: list[dict[str, Any]] = [
        {"name": SVC, "password": SVC_PASSWORD, "role_groups": ["Organization Management"]}
    ]
    users = []
    for i in range(named_users):
        name = f"CONTOSO\\user{i + 1:02d}"
        users.append(name)
        accounts.append(
            {
                "name": name,
                "password": f"User{i + 1:02d}-2016!",
                "mailbox": True,
                "licensed": d.chance(0.8),
                "groups": [GROUP] if not targeted_group or d.chance(0.7) else [],
            }
        )

    world: dict[str, Any] = {
        "directory": {"accounts": accounts, "groups": [{"name": GROUP}]},
        "exchange": {"version": version, "servers": servers},
        "population": {
            "users": rng.randint(3, 30),
            "devices_per_user": round(rng.uniform(0.5, 2.0), 1),
            "licensed": round(rng.uniform(0.5, 1.0), 2),
        },
        "hosts": [{"name": "CONN01"}, {"name": "CONN02"}],
    }
    world["tenant"] = {"admins": [{"upn": ADMIN, "password": ADMIN_PASSWORD}]}
    if targeted_group:
        world["tenant"]["conditional_access"] = {"included_groups": [GROUP]}
    proxy: dict[str, Any] | None = None
    if use_proxy:
        proxy = {"address": "proxy.contoso.local", "port": 8080}
        spec: dict[str, Any] = {**proxy, "allow": ["*.manage.microsoft.com:443"]}
        if proxy_auth:
            proxy = {**proxy, "user": "CONTOSO\\proxy-intune", "password": PROXY_PASSWORD}
            spec = {**spec, "user": "CONTOSO\\proxy-intune", "password": PROXY_PASSWORD}
        world["network"] = {"direct_internet": False, "proxy": spec}
    if base is not None and "world" in base:
        world = base["world"]

    span = opts.days * 24 * HOUR
    start_turbulence = 1800.0
    repair_at = start_turbulence + span
    end_at = repair_at + 4 * HOUR

    # what the wizard is given; repairs change it, and every later (re)configure uses it
    settings: dict[str, Any] = {
        "exchange": {
            "type": "on_premises",
            "server": f"{servers[0]['name'].lower()}.contoso.local",
        },
        "account": {"user": SVC, "password": SVC_PASSWORD},
    }
    if profile == "2018":  # Connect ends with a tenant administrator signing in (R4.5)
        settings["administrator"] = {"user": ADMIN, "password": ADMIN_PASSWORD}
    if proxy is not None:
        settings["proxy"] = dict(proxy)

    timeline: list[tuple[float, int, dict[str, Any]]] = []  # (moment, order, step)
    order = 0

    def at(moment: float, step: dict[str, Any]) -> None:
        nonlocal order
        order += 1
        timeline.append((moment, order, step))

    host = "CONN01"
    at(0, {"do": "download_package", "host": "CONN01"})
    at(0, {"do": "download_package", "host": "CONN02"})
    at(0, {"do": "install", "host": "CONN01"})
    at(0, {"do": "install", "host": "CONN02"})
    at(0, {"do": "configure", "host": host, **_copy(settings)})
    devices: list[str] = []
    for i, user in enumerate(users):
        for j in range(rng.randint(0, 2)):
            device_id = f"EXPL{seed % 100000:05d}U{i + 1}D{j + 1}"
            devices.append(device_id)
            at(
                d.moment(60, 1200),
                {
                    "do": "new_partnership",
                    "user": user,
                    "device_id": device_id,
                    "device_type": rng.choice(("iPhone", "iPad", "Android")),
                },
            )

    faults: list[dict[str, Any]] = []

    def window() -> tuple[float, float]:
        begin = d.moment(start_turbulence, repair_at - 600)
        return begin, min(repair_at - 60, begin + d.moment(300, 8 * HOUR))

    for _ in range(rng.randint(1, 6)):
        kind = rng.choice(_FAULT_KINDS)
        begin, end = window()
        fault: dict[str, Any] = {"kind": kind, "at": _span(begin), "until": _span(end)}
        if kind == "exchange_down":
            fault["server"] = rng.choice(servers)["name"]
        elif kind == "throttling":
            fault.update(account=SVC, max_cmdlets=rng.randint(3, 20), period=60.0)
        elif kind == "latency":
            fault.update(seconds=round(rng.uniform(0.2, 3.0), 2))
        elif kind == "dns_failure":
            fault["name"] = rng.choice(
                ("*.manage.microsoft.com", f"{servers[0]['name'].lower()}.contoso.local")
            )
        elif kind == "account_locked":
            fault["account"] = SVC
        elif kind == "proxy_down":
            if proxy is None:
                continue
            fault["address"] = proxy["address"]
        elif kind == "certificate_expired":
            fault["certificate"] = "connector"
        faults.append(fault)

    # permanent changes, put right at the repair
    if proxy is not None and d.chance(0.3):
        when = d.moment(start_turbulence, repair_at - 600)
        at(
            when,
            {
                "do": "proxy_moved",
                "address": proxy["address"],
                "to_address": "proxy2.contoso.local",
            },
        )
        settings["proxy"]["address"] = "proxy2.contoso.local"
    if proxy_auth and d.chance(0.3):
        when = d.moment(start_turbulence, repair_at - 600)
        at(when, {"do": "proxy_password_changed", "password": "Pr0xy-rotated!"})
        settings["proxy"]["password"] = "Pr0xy-rotated!"

    # administrator actions during the turbulence; half the runs replace the connector
    actions = [rng.choice(_ACTIONS) for _ in range(rng.randint(0, 6))]
    if d.chance(0.5):
        actions.append("replace")
    if d.chance(0.5):
        actions.append("wipe")
    for action in actions:
        when = d.moment(start_turbulence, repair_at - 300)
        if action == "reconfigure":
            at(when, {"do": "reconfigure", "host": host, **_copy(settings)})
        elif action == "replace":
            host = "CONN02" if host == "CONN01" else "CONN01"
            at(
                when,
                {"do": "configure", "host": host, **_copy(settings), "replace": profile == "2018"},
            )
        elif action == "request_sync":
            at(when, {"do": "request_sync", "kind": rng.choice(("quick", "full"))})
        elif action == "licence" and users:
            user = rng.choice(users)
            kind = rng.choice(("assign_licence", "remove_licence"))
            at(when, {"do": kind, "user": _upn(user), "licence": "intune"})
        elif action == "group" and users:
            user = rng.choice(users)
            kind = rng.choice(("add_to_group", "remove_from_group"))
            at(when, {"do": kind, "account": user, "group": GROUP})
        elif action == "wipe" and devices:
            at(when, {"do": "wipe_device", "device": rng.choice(devices)})
        elif action == "device_churn" and users:
            device_id = f"EXPL{seed % 100000:05d}N{len(devices) + 1}"
            devices.append(device_id)
            at(when, {"do": "new_partnership", "user": rng.choice(users), "device_id": device_id})
        elif action == "offline" and devices:
            at(
                when,
                {
                    "do": "device_offline",
                    "device": rng.choice(devices),
                    "lasting": _span(d.moment(600, 6 * HOUR)),
                },
            )

    # repair: every fault is over; put right what they left behind and ask for a full sync
    # `configure` with Replace: works whether the host's last wizard run succeeded or not
    at(repair_at, {"do": "configure", "host": host, **_copy(settings), "replace": True})
    at(repair_at, {"do": "request_sync", "kind": "full"})

    steps: list[dict[str, Any]] = []
    last = 0.0
    for moment, _, step in sorted(timeline, key=lambda x: (x[0], x[1])):
        if moment > last:
            steps.append({"at": _span(moment)})
            last = moment
        steps.append(step)
    steps.append({"at": _span(end_at)})

    scenario: dict[str, Any] = {
        "name": f"explore-{seed}",
        "summary": f"Generated by exchange-twin explore from seed {seed}.",
        "tags": ["explore"],
        "seed": seed,
        "profile": profile,
        "world": world,
        "faults": faults,
        "steps": _collapse_ats(steps),
        "expect": [
            {"path": "intune.exchange_connection.status", "equals": "connected"},
            {"path": "intune.inventory.device_ids", "same_as": "expected.inventory.device_ids"},
        ],
    }
    return Generated(seed, scenario, repair_at, end_at)


_FAULT_KINDS = (
    "exchange_down",
    "throttling",
    "intune_unreachable",
    "latency",
    "dns_failure",
    "account_locked",
    "proxy_down",
    "certificate_expired",
)
_ACTIONS = (
    "reconfigure",
    "replace",
    "request_sync",
    "licence",
    "group",
    "wipe",
    "device_churn",
    "offline",
)


def _upn(account: str) -> str:
    return account.split("\\", 1)[1] + "@contoso.local"


def _copy(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v) for k, v in settings.items()}


def _collapse_ats(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One `at:` per moment (several actions at one moment share it)."""
    out: list[dict[str, Any]] = []
    for step in steps:
        if "at" in step and out and "at" in out[-1]:
            out[-1] = step
            continue
        if "at" in step and out and out[-1].get("at") == step["at"]:
            continue
        out.append(step)
    return out
