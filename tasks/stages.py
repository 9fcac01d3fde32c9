"""What each stage did, in numbers that must add up: rows in = out + quarantined + dropped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class StageStats:
    stage: str
    brand: str
    source: str | None = None
    rows_in: int = 0
    rows_out: int = 0
    quarantined: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    started: float = 0.0  # wall clock (time.time()), so parallel tasks are not counted twice
    finished: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 0.0)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_out + self.quarantined + self.dropped_total


def totals(stats: list[StageStats]) -> list[StageStats]:
    """One row per stage, in pipeline order, summed over brands and sources; elapsed
    is from the stage's first task start to its last task end."""
    order = ["listen", "clean", "score", "summary"]
    merged: dict[str, StageStats] = {}
    for s in stats:
        m = merged.setdefault(s.stage, StageStats(s.stage, "all", started=s.started, finished=s.finished))
        m.rows_in += s.rows_in
        m.rows_out += s.rows_out
        m.quarantined += s.quarantined
        m.dropped = dict(Counter(m.dropped) + Counter(s.dropped))
        m.started, m.finished = min(m.started, s.started), max(m.finished, s.finished)
        m.warnings += s.warnings
    return sorted(merged.values(), key=lambda s: order.index(s.stage) if s.stage in order else len(order))


def markdown(stats: list[StageStats]) -> str:
    lines = ["| stage | rows in | rows out | quarantined | dropped | seconds |", "|---|---:|---:|---:|---:|---:|"]
    for s in totals(stats):
        lines.append(f"| {s.stage} | {s.rows_in} | {s.rows_out} | {s.quarantined} | {s.dropped_total} | {s.seconds:.1f} |")
    return "\n".join(lines)
