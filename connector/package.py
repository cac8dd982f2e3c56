"""The setup package: manifest verification and the account certificate (SPEC R2).

`Exchange_Connector_Setup.zip` holds the setup program, its supporting files, the account
certificate `WindowsIntune.accountcert` (which binds the package to one tenant) and
`manifest.json`, the list of every file with its size and SHA-256. Setup refuses a folder
that does not match the manifest and names each file that is missing, renamed or moved,
altered, or unexpected.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from connector.errors import PackageIntegrityError
from connector.paths import ACCOUNT_CERT_NAME, MANIFEST_NAME, join
from connector.platform import Platform


@dataclass(frozen=True)
class AccountCertificate:
    """The tenant-enrolment credential consumed by registration (model: a signed JSON blob)."""

    tenant_id: str
    tenant_name: str
    service_endpoint: str
    not_after: datetime
    raw: str  # the file's content, sent as-is to Intune

    @classmethod
    def parse(cls, data: bytes) -> AccountCertificate:
        try:
            doc = json.loads(base64.b64decode(data))
            return cls(
                tenant_id=doc["tenantId"],
                tenant_name=doc["tenantName"],
                service_endpoint=doc["serviceEndpoint"].rstrip("/"),
                not_after=datetime.fromisoformat(doc["notAfter"]),
                raw=data.decode("ascii"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PackageIntegrityError(
                [f"{ACCOUNT_CERT_NAME} is not a valid account certificate"]
            ) from exc


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_folder(platform: Platform, folder: str) -> dict:
    """Check `folder` against its manifest; return the manifest or raise naming every problem."""
    manifest_path = join(folder, MANIFEST_NAME)
    if not platform.exists(manifest_path):
        raise PackageIntegrityError([f"{MANIFEST_NAME} is missing from {folder}"])
    try:
        manifest = json.loads(platform.read_file(manifest_path))
        expected = {entry["path"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageIntegrityError([f"{MANIFEST_NAME} is damaged"]) from exc

    present = {p: None for p in platform.list_files(folder) if p != MANIFEST_NAME}
    problems: list[str] = []
    missing = [p for p in expected if p not in present]
    unexpected = [p for p in present if p not in expected]
    hashes = {p: _sha256(platform.read_file(join(folder, p))) for p in unexpected}
    for path in missing:
        moved_to = [u for u in unexpected if hashes[u] == expected[path]["sha256"]]
        if moved_to:
            target = moved_to[0]
            unexpected.remove(target)
            same_dir = (
                target.rsplit("\\", 1)[0] == path.rsplit("\\", 1)[0]
                if "\\" in path or "\\" in target
                else True
            )
            verb = "renamed" if same_dir else "moved"
            problems.append(f"{path} was {verb} to {target}")
        else:
            problems.append(f"{path} is missing")
    for path in sorted(set(expected) - set(missing)):
        data = platform.read_file(join(folder, path))
        if len(data) != expected[path]["size"] or _sha256(data) != expected[path]["sha256"]:
            problems.append(f"{path} was altered")
    problems.extend(f"{path} is not part of the package" for path in unexpected)
    if problems:
        raise PackageIntegrityError(problems)
    return manifest


def read_account_certificate(platform: Platform, folder: str) -> AccountCertificate:
    path = join(folder, ACCOUNT_CERT_NAME)
    if not platform.exists(path):
        raise PackageIntegrityError([f"{ACCOUNT_CERT_NAME} is missing"])
    return AccountCertificate.parse(platform.read_file(path))
