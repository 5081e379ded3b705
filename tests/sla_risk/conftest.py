"""Tiny hand-built and synthetic event logs in the shape of the shared incident log.

Every log is written by the test itself (never read from ../shared), so the suite runs in
seconds and documents the columns it needs.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ml.sla_train import SlaTrainReport, train

COLUMNS = (
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "opened_at",
    "sys_updated_at",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "priority",
    "assignment_group",
    "assigned_to",
    "knowledge",
    "resolved_at",
    "closed_at",
)
START = datetime(2016, 3, 1, 8, 0)


def stamp(moment: datetime) -> str:
    """Day/month/year like the shared log: 1/3/2016 08:00."""
    return f"{moment.day}/{moment.month}/{moment.year} {moment:%H:%M}"


def row(
    number: str, state: str, opened: datetime, updated: datetime, **cells: Any
) -> dict[str, str]:
    """One event row; unspecified cells get plausible values, '?' where the log has none."""
    base = {
        "number": number,
        "incident_state": state,
        "active": str(state != "Closed"),
        "reassignment_count": "0",
        "reopen_count": "0",
        "sys_mod_count": "0",
        "made_sla": "True",
        "opened_at": stamp(opened),
        "sys_updated_at": stamp(updated),
        "contact_type": "Phone",
        "location": "Location 1",
        "category": "Category 1",
        "subcategory": "Subcategory 1",
        "impact": "2 - Medium",
        "urgency": "2 - Medium",
        "priority": "3 - Moderate",
        "assignment_group": "Group A",
        "assigned_to": "?",
        "knowledge": "False",
        "resolved_at": "?",
        "closed_at": "?",
    }
    return base | {key: str(value) for key, value in cells.items()}


def write_log(path: Path, rows: Iterable[dict[str, str]], columns: Iterable[str] = COLUMNS) -> Path:
    fields = list(columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic_rows(incidents: int = 240, seed: int = 7) -> list[dict[str, str]]:
    """Incidents over ~20 days; Group B and P2 breach far more often, so a model can learn."""
    rng = random.Random(seed)
    rows = []
    for i in range(incidents):
        opened = START + timedelta(minutes=120 * i + rng.randint(0, 90))
        group = rng.choice(["Group A", "Group A", "Group B", "Group C"])
        priority = rng.choice(["3 - Moderate"] * 4 + ["2 - High", "4 - Low"])
        p_miss = 0.15 + 0.5 * (group == "Group B") + 0.3 * (priority == "2 - High")
        missed = rng.random() < p_miss
        cells = {
            "assignment_group": group,
            "priority": priority,
            "category": rng.choice(["Category 1", "Category 2", "Category 3"]),
            "assigned_to": rng.choice(["Resolver 1", "Resolver 2", "?"]),
        }
        number = f"INC{i:05d}"
        resolved = opened + timedelta(hours=rng.randint(1, 80))
        rows.append(row(number, "New", opened, opened, **cells))
        rows.append(row(number, "Active", opened, opened + timedelta(minutes=30), **cells))
        rows.append(row(number, "Resolved", opened, resolved, **cells))
        closed = row(number, "Closed", opened, resolved + timedelta(days=2), **cells)
        rows.append(closed | {"made_sla": str(not missed)})
    return rows


@pytest.fixture(scope="session")
def synthetic_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_log(tmp_path_factory.mktemp("sla") / "events.csv", synthetic_rows())


@pytest.fixture(scope="session")
def trained(synthetic_log: Path, tmp_path_factory: pytest.TempPathFactory) -> SlaTrainReport:
    """One small model per session, trained through the public `train` function."""
    return train(synthetic_log, tmp_path_factory.mktemp("registry"), refit=True)
