"""The recipients of an Exchange organisation and the identity indexes that find them: a
mailbox by name, alias, UPN, any SMTP address, account (DOMAIN\\user), GUID, or the long
forms (canonical name, distinguished name, legacyExchangeDN) parsed back to those keys; AD
users as Exchange's User objects; the addresses re-indexed when a recipient is re-addressed
or its account changes in Active Directory (which tells the organisation at once).

A part of `Organization` (model.py), apart from the servers, partnerships and configuration
there; the indexes keep a mailbox alone rather than in a one-element list (a list only when
a key is shared).
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.exchange.mailbox import Mailbox, UserObject
from simulator.exchange.naming import parse_guid
from simulator.world.accounts import DirectoryUser
from simulator.world.directory import Directory


class Recipients:
    """`Organization`'s mailboxes and users (state made in the organisation's `__init__`)."""

    name: str
    mailboxes: list[Mailbox]
    _mailbox_keys: dict[str, Mailbox | list[Mailbox]]
    _mailbox_guids: dict[int, Mailbox]
    directory: Directory | None
    other_forests: frozenset[str]

    def add_mailbox(self, mailbox: Mailbox) -> None:
        mailbox.organization = self.name  # its legacyExchangeDN names the organisation
        self.mailboxes.append(mailbox)
        self._mailbox_guids[mailbox.guid] = mailbox
        self._mailbox_guids[mailbox.exchange_guid] = mailbox
        self._index(mailbox)

    def _keys(self, mailbox: Mailbox) -> list[str]:
        """The lower-case keys a mailbox is found by: name, alias, UPN, addresses, account."""
        seen: list[str] = []
        for text in (
            mailbox.name,
            mailbox.alias,
            mailbox.upn,
            mailbox.primary_smtp,
            mailbox.sam,
            *mailbox.proxy_addresses,
        ):
            key = text.lower()
            if key == text:
                key = text  # already lower-case: keep the one string, not a copy
            if key not in seen:
                seen.append(key)
        return seen

    def _index(self, mailbox: Mailbox) -> None:
        keys = self._mailbox_keys
        for key in self._keys(mailbox):
            bucket = keys.get(key)
            if bucket is None:  # one mailbox per key, nearly always: kept alone, not in a list
                keys[key] = mailbox
            elif type(bucket) is list:
                bucket.append(mailbox)
            else:
                keys[key] = [bucket, mailbox]

    def _unindex(self, mailbox: Mailbox) -> None:
        keys = self._mailbox_keys
        for key in self._keys(mailbox):
            bucket = keys.get(key)
            if bucket is mailbox:
                del keys[key]
            elif type(bucket) is list and mailbox in bucket:
                bucket.remove(mailbox)
                if len(bucket) == 1:
                    keys[key] = bucket[0]

    def readdress(
        self,
        mailbox: Mailbox,
        *,
        upn: str | None = None,
        primary: str | None = None,
        secondary: tuple[str, ...] | None = None,
    ) -> None:
        """Change what a mailbox is found by (its UPN, primary or secondary SMTP addresses),
        keeping the identity index true."""
        self._unindex(mailbox)
        if upn is not None:
            mailbox.upn = upn
        if primary is not None:
            mailbox.primary_smtp = primary
        if secondary is not None:
            mailbox.proxy_addresses = secondary
        self._index(mailbox)

    def address_owner(self, address: str) -> Mailbox | None:
        """The mailbox holding `address` as a primary or secondary SMTP address, if any."""
        low = address.lower()
        for mb in self._named(low):
            if mb.primary_smtp.lower() == low or any(a.lower() == low for a in mb.proxy_addresses):
                return mb
        return None

    def mailbox_of(self, user: DirectoryUser) -> Mailbox | None:
        """The mailbox of a directory user (by its domain and sAMAccountName), if it has one."""
        sam = user.sam.lower()
        return next(
            (m for m in self._named(sam) if m.sam.lower() == sam and m.domain == user.domain),
            None,
        )

    def users(self) -> Iterator[UserObject]:
        """Every AD user of the organisation's directory, with its mailbox when it has one."""
        directory = self.directory
        if directory is None:
            return iter(())
        others = self.other_forests  # another organisation's forest holds its own users
        return (
            UserObject(u, self.mailbox_of(u))
            for u in directory.users()
            if not others or _forest(directory, u.domain) not in others
        )

    def find_users(self, identity: str) -> list[UserObject]:
        """Every user `identity` names (UserIdParameter): a mailbox user by any of its mailbox
        identities; a user without a mailbox by DOMAIN\\user, UPN, sAMAccountName, name,
        canonical name, distinguished name or GUID."""
        found = [UserObject(self._user_of(m), m) for m in self.find_mailboxes(identity)]
        if self.directory is None:
            return found
        text = identity.strip()
        low = text.lower()
        guid = parse_guid(text)
        direct = self.directory.find(text) if ("\\" in text or "@" in text) else None
        if low.startswith("cn="):
            name = _first_rdn(text).lower()
        else:
            name = low.rsplit("/", 1)[-1]
        for user in self.directory.users():
            # cheap tests first: a directory of a million users is scanned for each identity
            if not (
                user is direct
                or user.sam.lower() == low
                or user.display_name.lower() == name
                or guid is not None
            ):
                continue
            mailbox = self.mailbox_of(user)
            if mailbox is not None:
                continue  # mailbox users were found above, by their mailbox's identities
            obj = UserObject(user)
            if (
                user is direct
                or user.sam.lower() == low
                or obj.name.lower() == low
                or obj.identity.lower() == low
                or obj.distinguished_name.lower() == low
                or (guid is not None and obj.guid == guid)
            ):
                found.append(obj)
        return found

    def _user_of(self, mailbox: Mailbox) -> DirectoryUser:
        user = None
        if self.directory is not None:
            user = self.directory.find(f"{mailbox.domain}\\{mailbox.sam}")
        if user is None:  # a mailbox built without a directory (unit tests of the model)
            user = DirectoryUser(mailbox.sam, mailbox.domain, mailbox.upn, mailbox.display_name)
        return user

    def directory_changed(self, user: DirectoryUser, attribute: str, old: str | None) -> None:
        """Active Directory told of a change: a mailbox is its AD user object, so Exchange
        sees a new UPN or `mail` attribute at once (`Directory.watchers`)."""
        mailbox = self.mailbox_of(user)
        if mailbox is None:
            return
        if attribute == "upn":
            self.readdress(mailbox, upn=user.upn)
        elif attribute == "mail":
            mail = user.mail
            mailbox.windows_email_address = None if mail == mailbox.primary_smtp else (mail or "")

    def _named(self, key: str) -> list[Mailbox] | tuple[Mailbox, ...]:
        """The mailboxes indexed under `key` (lower-case name, alias, address or account)."""
        bucket = self._mailbox_keys.get(key)
        if bucket is None:
            return ()
        return bucket if type(bucket) is list else (bucket,)

    def find_mailboxes(self, identity: str) -> list[Mailbox]:
        """Every mailbox `identity` names: Name, Alias, UPN, SMTP address, GUID, canonical
        name, distinguished name, DOMAIN\\user, sAMAccountName or legacyExchangeDN."""
        text = identity.strip()
        low = text.lower()
        guid = parse_guid(text)
        if guid is not None:
            found = self._mailbox_guids.get(guid)
            return [found] if found else []
        if low.startswith("smtp:"):
            low = low[5:]
        if "\\" in low and "/" not in low:
            netbios, sam = low.split("\\", 1)
            return [
                m for m in self._named(sam) if m.sam.lower() == sam and m.netbios.lower() == netbios
            ]
        if low.startswith("cn="):
            name = _first_rdn(text)
            return [m for m in self._named(name.lower()) if m.distinguished_name.lower() == low]
        if low.startswith("/o="):
            alias = low.rsplit("/cn=", 1)[-1]
            return [m for m in self._named(alias) if m.legacy_dn.lower() == low]
        if "/" in low:
            name = low.rsplit("/", 1)[-1]
            return [m for m in self._named(name) if m.identity.lower() == low]
        return list(self._named(low))


def _forest(directory: Directory, domain: str) -> str | None:
    """The forest root of a user's domain (None for a domain the directory does not hold)."""
    found = directory.domain(domain)
    return found.forest if found is not None else None


def _first_rdn(dn: str) -> str:
    """`CN=Lee\\, Ann,CN=Users,...` → `Lee, Ann` (escaped commas kept)."""
    value, i = [], 3
    while i < len(dn):
        ch = dn[i]
        if ch == "\\" and i + 1 < len(dn):
            value.append(dn[i + 1])
            i += 2
            continue
        if ch == ",":
            break
        value.append(ch)
        i += 1
    return "".join(value)
