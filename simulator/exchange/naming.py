"""The names every Exchange object is built from: GUIDs (drawn from the world's seeded generator,
stored as 128-bit integers and formatted on demand), a domain's DC= path and the organisation's
administrative group (the legacyExchangeDN prefix).
"""

from __future__ import annotations

import random
import uuid
from functools import lru_cache

DEFAULT_ORGANIZATION = "First Organization"  # what Exchange setup names an organisation
ADMIN_GROUP_NAME = "Exchange Administrative Group (FYDIBOHF23SPDLT)"


def guid_bits(rng: random.Random) -> int:
    """A random version-4 GUID as an integer, drawn from `rng` (never from the OS)."""
    bits = rng.getrandbits(128)
    return (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)


def format_guid(value: int) -> str:
    """`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (what str(uuid.UUID) gives, several times faster)."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_guid(text: str) -> int | None:
    """The integer of a GUID string, or None when `text` is not one."""
    text = text.strip().strip("{}")
    if len(text) != 36 or text.count("-") != 4:
        return None
    try:
        return uuid.UUID(text).int
    except ValueError:
        return None


@lru_cache(maxsize=256)
def dc_path(domain: str) -> str:
    return ",".join(f"DC={p}" for p in domain.split("."))


@lru_cache(maxsize=64)
def admin_group(organization: str) -> str:
    """The legacyExchangeDN prefix of everything in an organisation's (2007+) administrative
    group: `/o=<organisation>/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)`."""
    return f"/o={organization}/ou={ADMIN_GROUP_NAME}"
