"""The connector's runtime state, kept beside its configuration so that a restart resumes
where it stopped: the quick-sync watermark, the Client Access servers discovered for
failover (SPEC R5.7), the device access rules the connector manages in Exchange, the last
notification template, and the devices already notified before a block (so a command
delivered twice does not mail the user twice). Written atomically as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from connector.paths import DATA_DIR
from connector.platform import Platform

STATE_FILE = DATA_DIR + r"\ConnectorState.json"


@dataclass
class ConnectorState:
    watermark: str | None = None  # ISO time: quick sync reads devices changed after it
    last_full_sync: str | None = None
    last_quick_sync: str | None = None
    cas_servers: list[str] = field(default_factory=list)  # FQDNs, discovered by full sync
    managed_rules: list[str] = field(default_factory=list)  # names of rules the connector created
    managed_default_level: bool = False  # the connector set the organisation's default level
    notification: dict[str, str] = field(default_factory=dict)  # {subject, body}
    notified: dict[str, str] = field(default_factory=dict)  # device id (lower) -> ISO time

    @classmethod
    def load(cls, platform: Platform) -> ConnectorState:
        if not platform.exists(STATE_FILE):
            return cls()
        try:
            data: dict[str, Any] = json.loads(platform.read_file(STATE_FILE))
        except ValueError:
            return cls()  # a damaged state file only costs a full sync; configuration is elsewhere
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, platform: Platform) -> None:
        platform.write_file(STATE_FILE, json.dumps(asdict(self), sort_keys=True, indent=1).encode())

    def watermark_time(self) -> datetime | None:
        return datetime.fromisoformat(self.watermark) if self.watermark else None
