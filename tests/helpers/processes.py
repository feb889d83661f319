"""Finding running processes by their command line (Linux ``/proc``): to wait until an
ffmpeg is really at work, and to check that none is left behind."""

from __future__ import annotations

from pathlib import Path


def processes_running_with(marker: str) -> list[int]:
    """Ids of live (not zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
