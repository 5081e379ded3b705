"""Business-time arithmetic: weekends, holidays, time zones and the policy file format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triagedesk.calendar import BusinessCalendar, format_duration, parse_duration
from triagedesk.config import ConfigError, load_catalog, load_desk_config
from triagedesk.settings import CONFIG_DIR
from triagedesk.types import BusinessCalendarConfig, SlaTarget

LONDON = BusinessCalendarConfig(timezone="Europe/London", holidays=["2026-12-25"])
HOUR = 3600


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def business(hours: float) -> SlaTarget:
    return SlaTarget(seconds=hours * HOUR, business=True)


def test_business_hours_skip_the_night_and_the_weekend() -> None:
    cal = BusinessCalendar(LONDON)
    friday_4pm = at("2026-11-27T16:00:00")
    assert cal.add(friday_4pm, business(2)) == at("2026-11-30T10:00:00")  # Monday 10:00
    assert cal.add(at("2026-11-28T12:00:00"), business(1)) == at("2026-11-30T10:00:00")


def test_holidays_do_not_count() -> None:
    cal = BusinessCalendar(LONDON)
    christmas_eve_4pm = at("2026-12-24T16:00:00")
    assert cal.add(christmas_eve_4pm, business(2)) == at("2026-12-28T10:00:00")


def test_time_zone_and_daylight_saving_are_respected() -> None:
    cal = BusinessCalendar(LONDON)
    summer_morning = at("2026-07-01T07:30:00")  # 08:30 in London (BST)
    assert cal.add(summer_morning, business(1)) == at("2026-07-01T09:00:00")  # 10:00 BST
    winter_morning = at("2026-11-30T07:30:00")  # 07:30 GMT
    assert cal.add(winter_morning, business(1)) == at("2026-11-30T10:00:00")


def test_elapsed_is_the_inverse_of_add() -> None:
    cal = BusinessCalendar(LONDON)
    start = at("2026-11-26T15:30:00")
    for hours in (0.5, 3, 8, 17.25, 40):
        end = cal.add(start, business(hours))
        assert cal.elapsed(start, end, business=True) == pytest.approx(hours * HOUR)


def test_wall_clock_targets_run_around_the_clock() -> None:
    cal = BusinessCalendar(LONDON)
    saturday = at("2026-11-28T23:00:00")
    assert cal.add(saturday, SlaTarget(seconds=4 * HOUR, business=False)) == saturday + timedelta(
        hours=4
    )


def test_duration_format() -> None:
    assert parse_duration("15m", 8 * HOUR) == SlaTarget(seconds=900, business=False)
    assert parse_duration("8bh", 8 * HOUR) == SlaTarget(seconds=8 * HOUR, business=True)
    assert parse_duration("3bd", 8 * HOUR) == SlaTarget(seconds=24 * HOUR, business=True)
    with pytest.raises(ValueError, match="bh/bd"):
        parse_duration("3 weeks", 8 * HOUR)
    assert format_duration(3 * HOUR + 600) == "3h10m"


def test_shipped_policy_matches_the_documented_defaults() -> None:
    config = load_desk_config(
        CONFIG_DIR / "sla_policy.yaml", load_catalog(CONFIG_DIR / "catalog.yaml")
    )
    p1, p2, p3, p4 = (config.targets[p] for p in ("P1", "P2", "P3", "P4"))
    assert (p1.acknowledge.seconds, p1.resolve.seconds) == (900, 4 * HOUR)
    assert not p1.resolve.business and p2.resolve.business
    assert p3.resolve == SlaTarget(seconds=24 * HOUR, business=True)  # 3 business days of 8h
    assert p4.acknowledge == SlaTarget(seconds=8 * HOUR, business=True)
    assert config.timebox_seconds == 1800 and config.p1_auto_approve_seconds == 900


def test_bad_policy_names_the_file_and_the_problem(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("targets:\n  P1: {acknowledge: soon, resolve: 4h}\n")
    with pytest.raises(ConfigError, match=r"policy\.yaml.*soon"):
        load_desk_config(policy, load_catalog(CONFIG_DIR / "catalog.yaml"))
