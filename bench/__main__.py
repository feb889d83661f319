"""``python -m bench``: run the benchmarks (today: audio normalisation)."""

from __future__ import annotations

from bench.bench_normalize import main

if __name__ == "__main__":
    raise SystemExit(main())
