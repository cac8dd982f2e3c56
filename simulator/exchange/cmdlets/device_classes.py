"""Get-ActiveSyncDeviceClass: the device types and models seen in the organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER, filtered, sort_by
from simulator.exchange.identity import resolve_device_class
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record, device_class_filter_getters, device_class_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


@cmdlet(
    "Get-ActiveSyncDeviceClass",
    [
        Param(
            "Identity",
            "identity",
            "ActiveSyncDeviceClassIdParameter",
            position=0,
            pipeline=True,
        ),
        Param("Filter"),
        Param("SortBy", "enum", choices=("DeviceModel", "DeviceType", "LastUpdateTime")),
        DOMAIN_CONTROLLER,
    ],
    output_type="ActiveSyncDeviceClass",
    roles=("Organization Client Access", "View-Only Configuration"),
)
def get_activesync_device_class(
    ctx: Invocation,
    Identity: str | None = None,
    Filter: str | None = None,
    SortBy: str | None = None,
    **_: Any,
) -> list[Record]:
    """Returns one record per device type and model seen in the organisation (not per device).

    Emulated: Name `<DeviceType>§<DeviceModel>`, LastUpdateTime (the last contact of a device of
    the class), Identity by Name, DN or GUID, -Filter, -SortBy. Classes stay when their last
    device is removed, as in Exchange.
    Not emulated: Exchange's periodic clean-up of classes not seen for a long time.
    """
    if Identity:
        return [device_class_view(ctx.org, resolve_device_class(ctx, Identity), ctx.version)]
    getters = device_class_filter_getters(ctx.org)
    classes = sorted(ctx.org.device_classes.values(), key=lambda c: (c.device_type, c.model))
    selected = sort_by(filtered(classes, Filter, getters), SortBy, getters)
    return [device_class_view(ctx.org, c, ctx.version) for c in selected]
