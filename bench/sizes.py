"""How big each figure's run is: the real benchmark, and the smoke run the tests make."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """Every size and setting the figures use."""

    smoke: bool
    overhead_notes: int  # voice notes of 30 s, one after another
    overhead_latency_s: float
    burst_notes: int
    burst_concurrency: int
    burst_latency_s: float
    burst_channels: int
    shared_limit_per_minute: int  # the binding request limit of the shared-limit figure
    memory_long_s: float  # the long note of the memory figure (2 h)
    memory_chunk_s: float
    restart_notes: int
    restart_concurrency: int
    restart_latency_s: float
    restart_lease_s: float
    economy_long_s: float  # a long file and a summary, reported per audio minute
    long_file_s: float  # the long-file figure (100 minutes)
    long_chunk_s: float
    transcode_s: float  # the MP3 the transcode figure prepares (2 h)


FULL = Sizes(
    smoke=False,
    overhead_notes=15,
    overhead_latency_s=0.2,
    burst_notes=200,
    burst_concurrency=10,
    burst_latency_s=4.0,
    burst_channels=50,
    shared_limit_per_minute=30,
    memory_long_s=7200.0,
    memory_chunk_s=600.0,
    restart_notes=50,
    restart_concurrency=4,
    restart_latency_s=1.0,
    restart_lease_s=5.0,
    economy_long_s=1500.0,
    long_file_s=6000.0,
    long_chunk_s=600.0,
    transcode_s=7200.0,
)
SMOKE = Sizes(
    smoke=True,
    overhead_notes=2,
    overhead_latency_s=0.05,
    burst_notes=6,
    burst_concurrency=3,
    burst_latency_s=0.2,
    burst_channels=2,
    shared_limit_per_minute=0,  # the shared-limit figure waits a minute: not in smoke
    memory_long_s=150.0,
    memory_chunk_s=60.0,
    restart_notes=6,
    restart_concurrency=2,
    restart_latency_s=0.5,
    restart_lease_s=2.0,
    economy_long_s=90.0,
    long_file_s=150.0,
    long_chunk_s=60.0,
    transcode_s=120.0,
)
