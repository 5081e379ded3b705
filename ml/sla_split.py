"""The time-ordered split: train on the past, validate on what followed, test on the latest.

Incidents are ordered by `opened_at`. The latest ones (a fraction, or those opened on or after a
date) are the test period; the last `VAL_SHARE` of the incidents before it is the validation
period; the rest trains. Every boundary is a moment and ties go to the later period, so an
incident in train was opened strictly before every validation incident, and those strictly
before every test incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ml.errors import TrainingDataError

TEST_FRACTION = 0.2
VAL_SHARE = 0.125  # of the incidents before the test period: 10% of all with the default split
MIN_PERIOD = 5


@dataclass
class TimeSplit:
    """Incident ids per period; `val_from` and `test_from` are the boundaries (opened_at)."""

    train: set[str]
    val: set[str]
    test: set[str]
    val_from: datetime
    test_from: datetime

    def describe(self) -> dict[str, Any]:
        return {
            "order": "opened_at",
            "train_incidents": len(self.train),
            "validation_from": self.val_from.isoformat(),
            "validation_incidents": len(self.val),
            "test_from": self.test_from.isoformat(),
            "test_incidents": len(self.test),
        }


def cut_at(ordered: list[tuple[datetime, str]], index: int) -> datetime:
    return ordered[min(max(index, 0), len(ordered) - 1)][0]


def time_split(
    opened: dict[str, datetime],
    split_date: date | None = None,
    test_fraction: float = TEST_FRACTION,
) -> TimeSplit:
    """Train < validation < test by `opened_at`; ties at a boundary go to the later period."""
    ordered = sorted((moment, key) for key, moment in opened.items())
    if split_date is not None:
        zone = ordered[0][0].tzinfo if ordered else UTC
        test_from = datetime.combine(split_date, datetime.min.time(), zone)
    else:
        test_from = cut_at(ordered, round(len(ordered) * (1 - test_fraction)))
    earlier = [item for item in ordered if item[0] < test_from]
    val_from = cut_at(earlier, round(len(earlier) * (1 - VAL_SHARE))) if earlier else test_from
    split = TimeSplit(
        train={k for t, k in ordered if t < val_from},
        val={k for t, k in ordered if val_from <= t < test_from},
        test={k for t, k in ordered if t >= test_from},
        val_from=val_from,
        test_from=test_from,
    )
    for name in ("train", "val", "test"):
        if len(getattr(split, name)) < MIN_PERIOD:
            raise TrainingDataError(
                f"the {name} period has {len(getattr(split, name))} incidents (at least "
                f"{MIN_PERIOD} needed); use more data or move --split-date/--test-fraction"
            )
    return split
