"""Install and uninstall the connector from an extracted setup folder (SPEC R1, R2, R3.4, R3.5).

Setup checks the host, verifies the folder against the package manifest, copies the
program files, keeps the account certificate (protected) for registration, creates the
service's local account with the "Log on as a service" right and installs the WIEC service.
When the folder is readable by non-administrators it warns that the certificate must be
deleted; `lingering_certificate` keeps reporting it until it is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from connector import SERVICE_ACCOUNT, SERVICE_DISPLAY_NAME, SERVICE_NAME
from connector.errors import Finding, NotInstalled, PrerequisiteNotMet
from connector.package import AccountCertificate, read_account_certificate, verify_folder
from connector.paths import (
    ACCOUNT_CERT_NAME,
    DATA_DIR,
    INSTALL_DIR,
    INSTALL_STATE,
    MANIFEST_NAME,
    SERVICE_BINARY,
    SETUP_EXE_NAME,
    join,
)
from connector.platform import Platform
from connector.prereqs import blockers, check_host

CERT_STORE = DATA_DIR + r"\AccountCertificate.bin"
_LOCAL_ACCOUNT = SERVICE_ACCOUNT.split("\\", 1)[1]


@dataclass
class InstallResult:
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tenant: str = ""


def install(platform: Platform, folder: str, profile: str = "2016") -> InstallResult:
    """Run setup from `folder`. Raises on a blocker; returns findings and warnings otherwise."""
    findings = check_host(platform.facts(), profile)
    if blockers(findings):
        raise PrerequisiteNotMet(findings)
    manifest = verify_folder(platform, folder)
    cert = read_account_certificate(platform, folder)
    result = InstallResult(findings=findings, tenant=cert.tenant_name)

    platform.make_dirs(INSTALL_DIR)
    platform.make_dirs(DATA_DIR)
    for entry in manifest["files"]:
        name = entry["path"]
        if name in (ACCOUNT_CERT_NAME, SETUP_EXE_NAME, MANIFEST_NAME):
            continue
        platform.write_file(join(INSTALL_DIR, name), platform.read_file(join(folder, name)))
    platform.write_file(CERT_STORE, platform.protect(cert.raw.encode("ascii")))

    platform.create_local_account(_LOCAL_ACCOUNT)
    platform.grant_logon_as_service_right(SERVICE_ACCOUNT)
    if platform.service_state(SERVICE_NAME) is None:
        platform.install_service(
            SERVICE_NAME, SERVICE_DISPLAY_NAME, SERVICE_ACCOUNT, SERVICE_BINARY
        )

    secure = platform.is_secure_folder(folder)
    state = {
        "sourceFolder": folder,
        "sourceFolderSecure": secure,
        "profile": profile,
        "packageVersion": manifest.get("version", ""),
        "tenant": cert.tenant_name,
        "installedAt": platform.now().isoformat(),
    }
    platform.write_file(INSTALL_STATE, json.dumps(state, sort_keys=True, indent=2).encode())
    if not secure:
        result.warnings.append(
            f"{folder} is not a secure location: delete {join(folder, ACCOUNT_CERT_NAME)} now that setup has run."
        )
    return result


def is_installed(platform: Platform) -> bool:
    return platform.exists(INSTALL_STATE) and platform.service_state(SERVICE_NAME) is not None


def install_state(platform: Platform) -> dict:
    if not platform.exists(INSTALL_STATE):
        raise NotInstalled("The Intune Exchange connector is not installed on this computer")
    return json.loads(platform.read_file(INSTALL_STATE))


def stored_certificate(platform: Platform) -> AccountCertificate:
    if not platform.exists(CERT_STORE):
        raise NotInstalled("The connector's account certificate is missing; run setup again")
    return AccountCertificate.parse(platform.unprotect(platform.read_file(CERT_STORE)))


def lingering_certificate(platform: Platform) -> Finding | None:
    """The security finding of SPEC R2.4: a certificate left behind in an insecure folder."""
    if not platform.exists(INSTALL_STATE):
        return None
    state = install_state(platform)
    path = join(state["sourceFolder"], ACCOUNT_CERT_NAME)
    if state["sourceFolderSecure"] or not platform.exists(path):
        return None
    return Finding(
        "R2.4",
        "Account certificate left in an insecure folder",
        "warning",
        f"{path} readable by non-administrators",
        "the certificate deleted after installation",
        f"Delete {path}.",
    )


def uninstall(platform: Platform) -> None:
    """Remove the service, its account, its files and its stored configuration (SPEC R3.4)."""
    if platform.service_state(SERVICE_NAME) is not None:
        if platform.service_state(SERVICE_NAME) == "Running":
            platform.stop_service(SERVICE_NAME)
        platform.uninstall_service(SERVICE_NAME)
    platform.delete_local_account(_LOCAL_ACCOUNT)
    for folder in (INSTALL_DIR, DATA_DIR):
        if platform.is_dir(folder):
            platform.remove_tree(folder)
