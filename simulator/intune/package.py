"""`Exchange_Connector_Setup.zip`: the connector package an administrator downloads (SPEC R2).

The archive holds the setup program, its supporting files, `WindowsIntune.accountcert` (a
signed blob binding the package to the tenant, with an expiry) and `manifest.json` (every
file's path, size and SHA-256). Bytes are deterministic: same tenant, same time ⇒ same zip.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import zipfile
from datetime import datetime

PACKAGE_NAME = "Exchange_Connector_Setup.zip"
PACKAGE_VERSION = "16.5.0.0"
ACCOUNT_CERT = "WindowsIntune.accountcert"
SUPPORTING_FILES = (
    "Exchange_Connector_Setup.exe",
    "Microsoft.Management.Services.OnPremisesExchangeConnectorService.exe",
    "Microsoft.Management.Services.OnPremisesExchangeConnectorService.exe.config",
    "Microsoft.Management.Services.Common.dll",
    "Microsoft.Management.Services.Diagnostics.dll",
    "Newtonsoft.Json.dll",
    "TracingConfiguration.xml",
)


def _file_bytes(name: str) -> bytes:
    """Stand-in content for a binary: deterministic, distinct per file and version."""
    seed = hashlib.sha256(f"{name}:{PACKAGE_VERSION}".encode()).digest()
    size = 2048 + seed[0] * 16
    out, block = b"MZ" if name.endswith((".exe", ".dll")) else b'<?xml version="1.0"?>\n', seed
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:size]


def sign(key: bytes, doc: dict) -> str:
    payload = json.dumps(
        {k: v for k, v in doc.items() if k != "signature"}, sort_keys=True
    ).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def account_certificate(
    tenant_id: str,
    tenant_name: str,
    endpoint: str,
    serial: str,
    issued: datetime,
    not_after: datetime,
    key: bytes,
) -> bytes:
    doc = {
        "tenantId": tenant_id,
        "tenantName": tenant_name,
        "serviceEndpoint": endpoint,
        "serial": serial,
        "issuedAt": issued.isoformat(),
        "notAfter": not_after.isoformat(),
    }
    doc["signature"] = sign(key, doc)
    return base64.b64encode(json.dumps(doc, sort_keys=True).encode())


def build_package(cert: bytes, issued: datetime) -> bytes:
    files = {name: _file_bytes(name) for name in SUPPORTING_FILES}
    files[ACCOUNT_CERT] = cert
    manifest = {
        "package": "Exchange_Connector_Setup",
        "version": PACKAGE_VERSION,
        "files": [
            {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    buf = io.BytesIO()
    stamp = (issued.year, issued.month, issued.day, issued.hour, issued.minute, issued.second)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return buf.getvalue()


def read_package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}
