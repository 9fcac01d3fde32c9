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
    # Wall-clock spans (time.time()) of the task runs behind these numbers: parallel
    # runs overlap and count once, runs one after another add up.
    spans: list[tuple[float, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, object] = field(default_factory=dict)  # stage-specific numbers for the artifacts

    def add(self, other: StageStats) -> None:
        """Fold in the numbers of another piece of the same work (another day, say)."""
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.quarantined += other.quarantined
        self.dropped = dict(Counter(self.dropped) + Counter(other.dropped))
        self.spans += other.spans
        self.warnings += other.warnings

    @property
    def seconds(self) -> float:
        total, reach = 0.0, float("-inf")
        for start, end in sorted(self.spans):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_out + self.quarantined + self.dropped_total


def totals(stats: list[StageStats]) -> list[StageStats]:
    """One row per stage, in pipeline order, summed over brands and sources."""
    order = ["listen", "clean", "score", "summary"]
    merged: dict[str, StageStats] = {}
    for s in stats:
        merged.setdefault(s.stage, StageStats(s.stage, "all")).add(s)
    return sorted(merged.values(), key=lambda s: order.index(s.stage) if s.stage in order else len(order))


def markdown(stats: list[StageStats]) -> str:
    lines = ["| stage | rows in | rows out | quarantined | dropped | seconds |", "|---|---:|---:|---:|---:|---:|"]
    for s in totals(stats):
        lines.append(f"| {s.stage} | {s.rows_in} | {s.rows_out} | {s.quarantined} | {s.dropped_total} | {s.seconds:.1f} |")
    return "\n".join(lines)
