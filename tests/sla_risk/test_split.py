"""The time-ordered split and the alert threshold rule."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from ml.errors import TrainingDataError
from ml.sla_evaluate import alert_threshold
from ml.sla_split import time_split

T0 = datetime(2016, 3, 1, tzinfo=UTC)


def opened_times(n: int, seed: int = 1) -> dict[str, datetime]:
    rng = random.Random(seed)
    # Coarse times so many incidents share a moment, as minute-resolution exports do.
    return {f"INC{i}": T0 + timedelta(hours=rng.randint(0, 200)) for i in range(n)}


@pytest.mark.parametrize("split_date", [None, date(2016, 3, 7)])
def test_the_split_never_puts_a_later_incident_before_an_earlier_period(
    split_date: date | None,
) -> None:
    opened = opened_times(300)
    split = time_split(opened, split_date, 0.2)
    train = [opened[k] for k in split.train]
    val = [opened[k] for k in split.val]
    test = [opened[k] for k in split.test]
    assert max(train) < min(val) <= max(val) < min(test)
    assert split.train | split.val | split.test == set(opened)
    assert len(split.train) + len(split.val) + len(split.test) == len(opened)
    if split_date is not None:
        assert min(test) >= datetime(2016, 3, 7, tzinfo=UTC) > max(val)


def test_a_split_with_an_empty_period_is_refused() -> None:
    with pytest.raises(TrainingDataError, match="test period has 0 incidents"):
        time_split(opened_times(100), date(2017, 1, 1))


def test_the_alert_threshold_keeps_alerts_at_least_half_right() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random(2000) < 0.25
    risk = np.clip(0.25 + 0.3 * (truth - 0.25) + rng.normal(0, 0.2, 2000), 0, 1)
    threshold = alert_threshold(truth.astype(int), risk)
    alerts = risk >= threshold
    assert truth[alerts].mean() >= 0.5
    # The most recall at that precision: every lower threshold alerts less precisely.
    for lower in np.unique(risk[risk < threshold])[-200:]:
        assert truth[risk >= lower].mean() < 0.5


def test_without_any_precise_threshold_the_best_f1_one_is_used() -> None:
    truth = np.array([1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0] * 3)
    risk = np.linspace(0.9, 0.1, len(truth))
    f1 = [2 * truth[:k].sum() / (k + truth.sum()) for k in range(1, len(truth) + 1)]
    assert alert_threshold(truth, risk) == risk[int(np.argmax(f1))]
