"""Benchmarks: speed and memory figures of the twin against a bare-Python floor (`make bench`).

One module per benchmark, each exposing `run(size) -> list[Record]`. `python -m benchmarks`
runs every benchmark (or the ones named) in a fresh child process of its own, so that the peak
memory of one is never inherited by the next, prints a table and writes `.bench/results.json`.
"""

from __future__ import annotations

# In the order `make bench` runs them (cheapest first, so a broken set-up shows early).
BENCHMARKS: tuple[str, ...] = (
    "cli_start",
    "cas_mailbox",
    "import_devices",
    "population",
    "full_sync",
    "soak",
    "library",
    "explore",
    "snapshot",
    "lab_latency",
    "full_sync_1m",
)
