"""Business-time arithmetic for SLA clocks. Pure and deterministic, so workflows can use it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from triagedesk.types import BusinessCalendarConfig, SlaTarget

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|bh|bd)\s*$")
_WALL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Far enough to cross any holiday season; a calendar with no working day at all is refused earlier.
_MAX_DAYS = 3 * 366


def parse_duration(text: str, business_day_seconds: float) -> SlaTarget:
    """`15m`, `4h`, `2d` run on the wall clock; `8bh` and `3bd` count business time only."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(
            f"duration {text!r} is not understood: use a number and a unit, "
            "s/m/h/d for wall-clock time or bh/bd for business hours/days (e.g. 15m, 8bh, 3bd)"
        )
    amount, unit = float(match.group(1)), match.group(2)
    if unit == "bh":
        return SlaTarget(seconds=amount * 3600, business=True)
    if unit == "bd":
        return SlaTarget(seconds=amount * business_day_seconds, business=True)
    return SlaTarget(seconds=amount * _WALL_UNITS[unit], business=False)


def format_duration(seconds: float) -> str:
    """A short human form, e.g. `3h10m`, for notifications."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"


class BusinessCalendar:
    """Working windows (e.g. Mon-Fri 09:00-17:00 in a timezone, minus holidays)."""

    def __init__(self, config: BusinessCalendarConfig) -> None:
        self.zone = ZoneInfo(config.timezone)
        self.workdays = frozenset(config.workdays)
        self.start = time.fromisoformat(config.start)
        self.end = time.fromisoformat(config.end)
        self.holidays = frozenset(date.fromisoformat(d) for d in config.holidays)
        if not self.workdays or self.end <= self.start:
            raise ValueError("the business calendar needs at least one workday and end after start")

    @property
    def day_seconds(self) -> float:
        start = datetime.combine(date(2000, 1, 3), self.start)
        return (datetime.combine(date(2000, 1, 3), self.end) - start).total_seconds()

    def add(self, moment: datetime, target: SlaTarget) -> datetime:
        """The moment `target` of (business or wall) time after `moment`."""
        if not target.business:
            return moment + timedelta(seconds=target.seconds)
        remaining = target.seconds
        for window_start, window_end in self._windows(moment):
            begin = max(moment, window_start)
            available = (window_end - begin).total_seconds()
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise ValueError("business calendar has no working time in reach")

    def elapsed(self, start: datetime, end: datetime, business: bool) -> float:
        """Seconds of (business or wall) time between `start` and `end`; 0 when end <= start."""
        if end <= start:
            return 0.0
        if not business:
            return (end - start).total_seconds()
        total = 0.0
        for window_start, window_end in self._windows(start):
            if window_start >= end:
                break
            overlap = (min(end, window_end) - max(start, window_start)).total_seconds()
            total += max(0.0, overlap)
        return total

    def _windows(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows in UTC that end after `moment`, in order."""
        day = moment.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS):
            current = day + timedelta(days=offset)
            if current.weekday() not in self.workdays or current in self.holidays:
                continue
            window_start = datetime.combine(current, self.start, self.zone).astimezone(UTC)
            window_end = datetime.combine(current, self.end, self.zone).astimezone(UTC)
            if window_end > moment:
                yield window_start, window_end
