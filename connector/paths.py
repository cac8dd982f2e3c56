"""Where the connector keeps things on its host (the real product's locations)."""

INSTALL_DIR = r"C:\Program Files\Microsoft Intune\OnPremisesExchangeConnector"
DATA_DIR = r"C:\ProgramData\Microsoft\Windows Intune Exchange Connector"
SERVICE_CONFIG = DATA_DIR + r"\OnPremisesExchangeConnectorServiceConfiguration.xml"
INSTALL_STATE = DATA_DIR + r"\InstallState.json"
LOG_DIR = DATA_DIR + r"\Logs"
SERVICE_BINARY = (
    INSTALL_DIR + r"\Microsoft.Management.Services.OnPremisesExchangeConnectorService.exe"
)
ACCOUNT_CERT_NAME = "WindowsIntune.accountcert"
SETUP_EXE_NAME = "Exchange_Connector_Setup.exe"
MANIFEST_NAME = "manifest.json"


def join(folder: str, *names: str) -> str:
    """Join Windows path parts with single backslashes."""
    parts = [folder.rstrip("\\")] + [n.strip("\\") for n in names]
    return "\\".join(parts)
