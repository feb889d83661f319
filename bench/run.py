"""``python -m bench``: every benchmark figure end to end, printed as one table.

    python -m bench [--smoke] [--only FIGURE ...] [--cache DIR]

Each figure starts the real bot (``python -m bot run``) against the fake Discord and a
fake Gemini answering after a configured latency, and states its result as a ratio
measured in the same run, so a busy machine weighs on both sides alike. The exit status is
1 when a judged figure misses its target. ``--smoke`` runs every figure with tiny sizes and
judges only what does not depend on speed (each note answered once, no refused request,
the request counts): the test suite runs it so the benchmarks cannot rot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bench.figures import (
    burst,
    economy,
    long_files,
    memory,
    overhead,
    restart,
    scale_out,
    transcode,
)
from bench.inputs import Inputs
from bench.sizes import FULL, SMOKE, Sizes
from bench.table import Row, all_passed, render

Figure = Callable[[Inputs, Sizes, Path], Awaitable[list[Row]]]
FIGURES: dict[str, Figure] = {
    "overhead": overhead.run,
    "burst": burst.run,
    "scale-out": scale_out.run,
    "memory": memory.run,
    "restart": restart.run,
    "economy": economy.run,
    "long-files": long_files.run,
    "transcode": transcode.run,
}


def machine() -> str:
    """What this ran on, for the results file."""
    cpus = len(os.sched_getaffinity(0))
    return f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}"


async def run(names: Sequence[str], sizes: Sizes, cache: Path) -> list[Row]:
    """Run the figures, each in a scratch directory of its own."""
    inputs = Inputs(cache)
    rows: list[Row] = []
    for name in names:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            rows += await FIGURES[name](inputs, sizes, Path(tmp))
        print(f"[bench] {name} done in {time.monotonic() - started:.0f} s", flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 when every judged figure meets its target."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no speed verdicts")
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), default=list(FIGURES))
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "voicenotes-bench",
        help="where generated audio is kept between runs",
    )
    args = parser.parse_args(argv)
    # SIGTERM (a timeout, a CI stop) unwinds like Ctrl-C: the bots and PostgreSQL stop.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sizes = SMOKE if args.smoke else FULL
    print(f"[bench] {machine()}; {'smoke' if args.smoke else 'full'} run", flush=True)
    rows = asyncio.run(run(args.only, sizes, args.cache))
    print()
    print(render(rows))
    return 0 if all_passed(rows) else 1
