"""Waiting out Exchange throttling: one rule for every caller of the Exchange port.

When the service account's throttling budget is spent, Exchange refuses the call with the
time until it recovers ("The WS-Management service cannot process the request. The user load
quota of X requests per Y seconds has been exceeded. Send future requests at a slower rate
... The next request from this user will not be approved for at least Z milliseconds").
The connector does what that message asks: it logs a `Throttled` warning, waits the time
Exchange gave and tries again, a bounded number of times. The service's runspace pool and
the configuration wizard (whose Connect runs several cmdlets on the same account, and so is
refused like any other client when a sync has just spent the budget) share this rule, so a
refusal never escapes either of them as an unhandled error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from connector.exchange import Throttled
from connector.log import ConnectorLog
from connector.platform import Platform

MAX_THROTTLE_WAITS = 20
T = TypeVar("T")


def wait_out_throttling(platform: Platform, log: ConnectorLog, fn: Callable[[], T]) -> T:
    """`fn()`, waiting `retry_after` and trying again each time Exchange throttles it; the
    refusal after `MAX_THROTTLE_WAITS` waits is raised to the caller (which reports it)."""
    for _ in range(MAX_THROTTLE_WAITS):
        try:
            return fn()
        except Throttled as exc:
            log.warning(
                "Throttled",
                f"Exchange throttled the service account; waiting {exc.retry_after:g} s: {exc.message}",
                retryAfter=exc.retry_after,
            )
            platform.sleep(exc.retry_after)
    return fn()
