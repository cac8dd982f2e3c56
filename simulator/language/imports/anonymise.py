"""Keyed, deterministic pseudonyms for what identifies people and organisations in an export.

Each value is replaced by an HMAC-SHA256 of it under the key (`--anonymise SEED`), so the
same name always gets the same pseudonym under one key, and nobody without the key can
test a guess. Values are mapped by part, so what agreed before agrees after: a DNS domain
label by label (the top-level label kept), an SMTP address or UPN as its local part and its
domain (`ann@contoso.com` as UPN and as primary SMTP address map to one address: the rule
SMTP = UPN holds afterwards exactly when it held before), a NetBIOS name from its mapped
domain, device ids, IMEIs and phone numbers with their shape (length, digits, the `Appl`
prefix that says an Apple device) kept.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    """Pseudonyms under one key; `None` as key maps nothing (every method returns its value)."""

    def __init__(self, key: str | None) -> None:
        self.key = None if key is None else key.encode("utf-8")
        self.used: dict[str, int] = {}  # kind → how many distinct values were mapped
        self._cache: dict[tuple[str, str], str] = {}

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def _digest(self, kind: str, value: str) -> str:
        assert self.key is not None
        return hmac.new(self.key, f"{kind}\0{value.lower()}".encode(), hashlib.sha256).hexdigest()

    def _mapped(self, kind: str, value: str, make: str) -> str:
        key = (kind, value.lower())
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = make
            self.used[kind] = self.used.get(kind, 0) + 1
        return found

    def label(self, label: str) -> str:
        if self.key is None or not label:
            return label
        return self._mapped("label", label, "x" + self._digest("label", label)[:7])

    def domain(self, domain: str) -> str:
        """`sales.contoso.com` → `x1a2b3c4.x5d6e7f8.com`: label by label, the TLD kept."""
        if self.key is None or not domain:
            return domain
        labels = domain.lower().split(".")
        if len(labels) == 1:
            return self.label(labels[0])
        return ".".join([*(self.label(p) for p in labels[:-1]), labels[-1]])

    def netbios(self, domain: str) -> str:
        """The NetBIOS name of a (mapped) DNS domain: its first label, upper case."""
        return domain.split(".")[0].upper()[:15]

    def person(self, name: str) -> str:
        """A user's name in any of its forms (sAMAccountName, alias, CN, local part)."""
        if self.key is None or not name:
            return name
        return self._mapped("person", name, "u" + self._digest("person", name)[:9])

    def address(self, address: str) -> str:
        """An SMTP address or a UPN: local part and domain mapped separately."""
        if self.key is None or "@" not in address:
            return address
        local, _, domain = address.rpartition("@")
        return f"{self.person(local)}@{self.domain(domain)}"

    def device_id(self, device_id: str) -> str:
        """Same length, letters and digits; an `Appl` prefix (an Apple serial) kept."""
        if self.key is None or not device_id:
            return device_id
        prefix = "Appl" if device_id.startswith("Appl") else ""
        rest = len(device_id) - len(prefix)
        digest = self._digest("device", device_id).upper()
        while len(digest) < rest:
            digest += self._digest("device+", digest).upper()
        return self._mapped("device", device_id, prefix + digest[:rest])

    def digits(self, kind: str, value: str) -> str:
        """An IMEI or a phone number: each digit replaced, any `+` and separators kept."""
        if self.key is None or not value:
            return value
        digest = int(self._digest(kind, value), 16)
        out = []
        for ch in value:
            if ch.isdigit():
                out.append(str(digest % 10))
                digest //= 10
            else:
                out.append(ch)
        return self._mapped(kind, value, "".join(out))

    def text(self, kind: str, value: str) -> str:
        """Free text that may name someone (a friendly name): replaced as a whole."""
        if self.key is None or not value:
            return value
        return self._mapped(kind, value, f"{kind}-{self._digest(kind, value)[:8]}")
