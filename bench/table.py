"""The one result table of ``python -m bench``: figure, measured, target, verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One figure. ``passed`` is None for what is only reported (or not judged in smoke)."""

    figure: str
    measured: str
    target: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or INFO for a reported figure."""
        if self.passed is None:
            return "INFO"
        return "PASS" if self.passed else "FAIL"


def judged(figure: str, measured: str, target: str, passed: bool, *, judge: bool) -> Row:
    """A row judged against its target (``judge=False``, in smoke mode, only reports it:
    tiny sizes on a busy machine say nothing about speed)."""
    return Row(figure, measured, target, passed if judge else None)


def render(rows: list[Row]) -> str:
    """The table as text."""
    headers = ("figure", "measured", "target", "result")
    cells = [(r.figure, r.measured, r.target, r.verdict) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(line.rstrip() for line in lines)


def all_passed(rows: list[Row]) -> bool:
    """Whether no judged row failed."""
    return all(row.passed is not False for row in rows)
