"""The Intune on-premises Exchange connector: the product under test.

It knows the world only through its ports (`connector.platform.Platform`,
`connector.exchange.RemoteShell` / `ExchangeTransport` and the host's HTTP stack). It never
imports the simulator; a test proves it.
"""

PRODUCT_VERSION = "16.5.0.0"
"""Version the connector reports to Intune when it registers (model: the 2016 release train)."""

SERVICE_NAME = "WIEC"
SERVICE_DISPLAY_NAME = "Microsoft Intune Exchange Connector Service"
SERVICE_ACCOUNT = r".\WIEC_USER"
