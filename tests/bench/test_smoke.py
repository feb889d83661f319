"""``python -m bench --smoke``: every figure runs end to end with tiny sizes, so the
benchmarks cannot rot. Speed is not judged here (timing belongs in the benchmarks); what
does not depend on speed is: each note answered once, no refused Discord request, one
Gemini request per short note, none for repeated audio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bench.run import FIGURES

ROOT = Path(__file__).resolve().parents[2]
INVARIANTS = (
    "burst: invalid (other refused) Discord requests; notes answered once",
    "scale out: each note answered once",
    "restart: each note answered once",
    "economy: a 30-s note: requests",
    "economy: the same audio again: requests",
)


async def test_every_figure_runs_and_the_invariants_hold(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench",
        "--smoke",
        "--cache",
        str(tmp_path / "audio"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-4000:]
    for name in FIGURES:
        assert f"[bench] {name} done" in text
    table = text[text.index("figure ") :].splitlines()
    assert not [line for line in table if line.rstrip().endswith("FAIL")]
    for invariant in INVARIANTS:  # judged even in smoke
        (row,) = [line for line in table if line.startswith(invariant)]
        assert row.rstrip().endswith("PASS"), row
