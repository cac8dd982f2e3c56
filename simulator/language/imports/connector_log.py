"""The connector's own log files (`Logs\\Connector<N>.log`) → a fault timeline, where the log
shows one.

The log is the one `connector/log.py` writes: JSON lines with `seq`, `time` (UTC, to the
microsecond), `level`, `event`, `message`, and per event its fields (`code` — the error
codes of connector/errors.py —, `job`, `retryAt`, `server`, `retryAfter`, ...), in a
circular set of files ordered by `seq`. The real connector's `Connector.svclog` (WCF
XML read with Service Trace Viewer) is refused by name: its record layout is not
documented (reference/connector-behaviour.md, §5).

What is inferred, and from which lines (every other line is counted, never guessed at):

* `exchange_down` (server) — `ExchangeUnavailable` warnings and `JobFailed` 0x00000001
  naming the server; over when the connector returns to it (`CasFailback`), syncs through
  it (`SyncComplete` whose health names it), or a retry of the failed job logs nothing.
* `throttling` — `Throttled` warnings, with the quota the message states (requests per
  period); over once the connector's wait (`retryAfter`) ran out after the last one.
* `intune_unreachable` — `JobFailed` 0x00000006 "did not answer in time", or a proxy
  answering 504 Gateway Timeout (the proxy is up, Intune is not).
* `proxy_down` (address) — 0x00000006 "Cannot connect to proxy <host>:<port>".
* `proxy_credentials_changed` — 0x00000006 with 407 Proxy Authentication Required.
* `account_locked`, `account_disabled`, `password_expired`, `password_changed` — JobFailed
  0x00000013 with Exchange's logon message (locked out / disabled / expired / access
  denied); they need the connector's Exchange account, which the log does not name
  (`--service-account`); without it they are counted as not mapped.

When does a fault end? The log only shows failures (a successful poll or heartbeat logs
nothing): an episode ends at the earliest `retryAt` of its failures that is later than its
last failure (that retry logged no failure), or at the first line that shows the channel
working again, whichever comes first; with neither, it lasts to the end of the log. So
each window is what the log can tell: it starts at the first failure (the fault began
between the channel's previous working moment and then) and ends at the first sign of
recovery.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simulator.language.imports.powershell_csv import ExportError

EXCHANGE_UNREACHABLE = "0x00000001"
INTUNE_UNREACHABLE = "0x00000006"
EXCHANGE_AUTHENTICATION = "0x00000013"
_LOG_FILE = re.compile(r"^Connector(\d+)\.log$", re.IGNORECASE)
_SERVER_ADDRESS = re.compile(r"Exchange server address (\S+?):")
_PROXY = re.compile(r"Cannot connect to proxy ([^\s:]+):(\d+)")
_QUOTA = re.compile(r"quota of (\d+) requests per (\d+) seconds")
_LOGON = (
    ("currently locked out", "account_locked"),
    ("currently disabled", "account_disabled"),
    ("password has expired", "password_expired"),
    ("Access is denied", "password_changed"),
)
#: What a password_changed or proxy_credentials_changed fault needs and no log holds: the
#: new password. Any value reproduces the failure (the connector's stored one stops working).
NEW_PASSWORD = "Imported-Rotated-P@ss1"
#: Events that are neither a failure nor a sign of recovery of a channel.
_QUIET = {"Configure", "SyncStart", "UploadPage", "Cmdlet", "Command", "TargetingChanged"}


@dataclass
class LogLine:
    """One record and where it is (file name, 1-based line)."""

    file: str
    line: int
    record: dict[str, Any]
    time: datetime

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class InferredFault:
    """A fault window the log shows, with the lines it rests on."""

    kind: str
    params: dict[str, Any]
    start: datetime
    end: datetime | None
    failures: list[LogLine] = field(default_factory=list)
    ended_by: str = ""  # what closed the window: a line, a retry, the end of the log

    def describe(self, at: str, until: str | None, params: dict[str, Any]) -> str:
        """One line: the fault with `params` as the scenario writes them (mapped when
        anonymised), its window as written (`at`, `until`), the lines it rests on."""
        what = ", ".join(f"{k}={v}" for k, v in params.items() if k != "password")
        head = f"{self.kind}" + (f" ({what})" if what else "")
        first, last = self.failures[0], self.failures[-1]
        span = f"at {at}" + (" to the end of the log" if until is None else f", until {until}")
        return (
            f"{head} {span}: {len(self.failures)} lines, first {first.where}, last {last.where}; "
            f"ended by {self.ended_by}"
        )


@dataclass
class LogInference:
    """Everything read from the log: its lines, the faults, and what mapped to nothing."""

    lines: list[LogLine]
    faults: list[InferredFault]
    unmapped: Counter[str]
    recovery: int = 0  # lines that only closed a window
    servers: list[str] = field(default_factory=list)  # FQDNs, the configured one first
    proxies: list[tuple[str, int]] = field(default_factory=list)

    @property
    def first(self) -> datetime:
        return self.lines[0].time

    @property
    def last(self) -> datetime:
        return self.lines[-1].time


def duration(delta: Any) -> str:
    """A non-negative span as the scenario language writes it, to the second (1h2m3s)."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")


def _time(path: str, line: int, value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ExportError(path, line, 1, f"time {value!r}: expected an ISO 8601 UTC time")
    return moment


def read_log(folder: str | Path) -> list[LogLine]:
    """Every record of the connector log files in `folder`, oldest first (by `seq`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExportError(str(folder), 0, 0, "not a folder (the connector's Logs folder)")
    files = sorted((p for p in folder.iterdir() if _LOG_FILE.match(p.name)), key=lambda p: p.name)
    if not files:
        svclog = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".svclog")
        if svclog:
            raise ExportError(
                str(folder / svclog[0]),
                1,
                1,
                "a Service Trace Viewer log (.svclog): its record layout is not documented, "
                "so the twin does not read it; give the folder of Connector<N>.log files",
            )
        raise ExportError(str(folder), 0, 0, "no Connector<N>.log files in this folder")
    out: list[LogLine] = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExportError(str(path), 1, 1, f"not UTF-8 (byte offset {exc.start})") from None
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ExportError(
                    str(path), number, exc.colno, f"not a log record (JSON): {exc.msg} (truncated?)"
                ) from None
            if not isinstance(record, dict) or not {"seq", "time", "event"} <= set(record):
                raise ExportError(
                    str(path),
                    number,
                    1,
                    "a record without seq, time and event: not a connector log",
                )
            out.append(LogLine(path.name, number, record, _time(str(path), number, record["time"])))
    out.sort(key=lambda ln: (int(ln.record["seq"]), ln.file))
    return out


def _server(fqdn: str, servers: list[str]) -> str:
    fqdn = fqdn.lower().rstrip(".")
    if fqdn not in servers:
        servers.append(fqdn)
    return fqdn


def classify(
    ln: LogLine, servers: list[str], proxies: list[tuple[str, int]]
) -> tuple[str, str, dict[str, Any]] | None:
    """(channel, fault kind, parameters) of a failure line; None when it shows no fault."""
    rec = ln.record
    event, code, message = rec.get("event"), rec.get("code"), str(rec.get("message", ""))
    if event == "ExchangeUnavailable" and rec.get("server"):
        server = _server(str(rec["server"]), servers)
        return f"exchange:{server}", "exchange_down", {"server": server}
    if event == "CasFailover" and rec.get("primary"):  # the configured server did not answer
        server = _server(str(rec["primary"]), servers)
        return f"exchange:{server}", "exchange_down", {"server": server}
    if event == "Throttled":
        params: dict[str, Any] = {}
        quota = _QUOTA.search(message)
        if quota:
            params = {"max_cmdlets": int(quota.group(1)), "period": float(quota.group(2))}
        return "throttling", "throttling", params
    if event != "JobFailed":
        return None
    if code == EXCHANGE_UNREACHABLE:
        found = _SERVER_ADDRESS.search(message)
        if found:
            server = _server(found.group(1), servers)
            return f"exchange:{server}", "exchange_down", {"server": server}
    if code == EXCHANGE_AUTHENTICATION:
        for text, kind in _LOGON:
            if text in message:
                return "exchange-logon", kind, {}
    if code == INTUNE_UNREACHABLE:
        proxy = _PROXY.search(message)
        if proxy:
            host, port = proxy.group(1).lower(), int(proxy.group(2))
            if (host, port) not in proxies:
                proxies.append((host, port))
            return "intune", "proxy_down", {"address": host}
        if "407 Proxy Authentication Required" in message:
            return "intune", "proxy_credentials_changed", {}
        if "did not answer in time" in message or "504 Gateway Timeout" in message:
            return "intune", "intune_unreachable", {}
    return None


def _recovers(ln: LogLine) -> list[str]:
    """The channels a line shows working."""
    rec = ln.record
    event = rec.get("event")
    if event == "SyncComplete":  # Exchange read through the named server, Intune took it
        health = rec.get("health") or {}
        server = str(health.get("PowerShellExchangeServer", "")).lower()
        return ["intune", "exchange-logon"] + ([f"exchange:{server}"] if server else [])
    if event == "CasFailback":
        found = re.search(r"configured server (\S+)", str(rec.get("message", "")))
        return [f"exchange:{found.group(1).lower()}"] if found else []
    if event == "PolicyApplied":
        return ["exchange-logon", "intune"]
    return []


def _retry(ln: LogLine) -> datetime | None:
    value = ln.record.get("retryAt")
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


#: How long after its `retryAt` a retried job may log its failure (the job runs first: an
#: Intune call waits out its timeout, a sync opens a session). A retry that logged no
#: failure within it had succeeded.
GRACE = timedelta(seconds=120)

Key = tuple[str, str, tuple[Any, ...]]


def _silent_retry(
    failures: list[LogLine], i: int, until: datetime, log_end: datetime
) -> datetime | None:
    """The earliest retry of a job among `failures[: i + 1]` due after failures[i] that logged
    no failure of this fault before `until` (and the log goes on past it): when the fault had
    ended at the latest."""
    last = failures[i].time
    best: datetime | None = None
    jobs: dict[Any, LogLine] = {}
    for f in failures[: i + 1]:
        jobs[f.record.get("job")] = f  # each job's latest failure
    for f in jobs.values():
        retry = _retry(f)
        if retry is None or retry <= last or retry + GRACE >= until or retry + GRACE > log_end:
            continue
        if best is None or retry < best:
            best = retry
    return best


def _episodes(
    key: Key, failures: list[LogLine], recoveries: list[LogLine], log_end: datetime
) -> list[InferredFault]:
    """Split one fault's failure lines into windows at each sign of recovery."""
    channel, kind, params = key
    out: list[InferredFault] = []
    if kind == "throttling":  # each line: throttled from then until its wait ran out
        for f in failures:
            wait = timedelta(seconds=float(f.record.get("retryAfter") or 0))
            if out and out[-1].end is not None and f.time <= out[-1].end + GRACE:
                out[-1].failures.append(f)
                out[-1].end = max(out[-1].end, f.time + wait)
            else:
                out.append(InferredFault(kind, dict(params), f.time, f.time + wait, [f]))
            out[-1].ended_by = f"the wait of {f.where} running out"
        return out
    current: InferredFault | None = None
    r = 0
    for i, f in enumerate(failures):
        if current is None:
            current = InferredFault(kind, dict(params), f.time, None, [f])
        else:
            current.failures.append(f)
        following = failures[i + 1].time if i + 1 < len(failures) else None
        while r < len(recoveries) and recoveries[r].time <= f.time:
            r += 1
        recovered = recoveries[r] if r < len(recoveries) else None
        horizon = following or log_end + GRACE + GRACE
        retry = _silent_retry(current.failures, len(current.failures) - 1, horizon, log_end)
        if (
            recovered is not None
            and recovered.time < horizon
            and (retry is None or recovered.time <= retry)
        ):
            current.end, current.ended_by = recovered.time, recovered.where
        elif retry is not None:
            current.end = retry
            current.ended_by = "a retry due then that logged no failure"
        else:
            continue
        out.append(current)
        current = None
    if current is not None:
        current.ended_by = "nothing: it lasts to the end of the log"
        out.append(current)
    return out


def infer(lines: list[LogLine]) -> LogInference:
    """The faults `lines` show (see the module's docstring for the rules)."""
    servers: list[str] = []
    proxies: list[tuple[str, int]] = []
    for ln in lines:  # the configured server first, as the connector names it
        if ln.record.get("event") == "Configure" and ln.record.get("server"):
            _server(str(ln.record["server"]), servers)
    for ln in lines:  # then every other it names (failed over to, synced through)
        rec = ln.record
        health = rec.get("health") if isinstance(rec.get("health"), dict) else {}
        for value in (
            rec.get("primary"),
            rec.get("server"),
            health.get("PowerShellExchangeServer"),
        ):
            if isinstance(value, str) and "." in value:
                _server(value, servers)
    failures: dict[Key, list[LogLine]] = {}
    recoveries: dict[str, list[LogLine]] = {}
    unmapped: Counter[str] = Counter()
    recovery = 0
    for ln in lines:
        found = classify(ln, servers, proxies)
        if found is not None:
            channel, kind, params = found
            failures.setdefault((channel, kind, tuple(sorted(params.items()))), []).append(ln)
            continue
        channels = _recovers(ln)
        for channel in channels:
            recoveries.setdefault(channel, []).append(ln)
        if channels:
            recovery += 1
            continue
        rec = ln.record
        event = str(rec.get("event"))
        if event not in _QUIET or rec.get("level") in ("Warning", "Error"):
            code = f" {rec['code']}" if rec.get("code") else ""
            unmapped[f"connector log: {event}{code} ({rec.get('level', '?')})"] += 1
        else:
            unmapped[f"connector log: lines that show no fault ({event})"] += 1
    faults: list[InferredFault] = []
    end = lines[-1].time if lines else datetime.min
    for key, fails in failures.items():
        faults += _episodes(key, fails, recoveries.get(key[0], []), end)
    faults.sort(key=lambda f: (f.start, f.kind))
    return LogInference(lines, faults, unmapped, recovery, servers, proxies)
