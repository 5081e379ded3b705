"""The importer: columns, labels and the replay that must never read the future."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ml.errors import TrainingDataError
from ml.sla_events import OPENING, UPDATES, build_snapshots, load_events, parse_mapping
from ml.sla_features import SlaSnapshot
from tests.sla_risk.conftest import COLUMNS, row, write_log

T0 = datetime(2016, 3, 1, 9, 0, tzinfo=UTC)  # a Tuesday


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def desk_rows() -> list[dict[str, str]]:
    """INC1 open 0-60 min, INC2 from 30 min and INC3 from 120 min, all in Group A."""
    return [
        row("INC1", "New", at(0), at(0), assigned_to="Ann"),
        row("INC1", "Resolved", at(0), at(60), assigned_to="Ann"),
        row("INC1", "Closed", at(0), at(600), assigned_to="Ann", made_sla="False"),
        row("INC2", "New", at(30), at(30), assigned_to="Ann"),
        row("INC2", "Active", at(30), at(90), assigned_to="Ann", reassignment_count=1),
        row("INC3", "New", at(120), at(120), assigned_to="Ann"),
        row("INC4", "New", at(130), at(130), assignment_group="Group B", assigned_to="Bob"),
    ]


def snapshots(path: Path, points: str = OPENING) -> dict[tuple[str, datetime], SlaSnapshot]:
    found = build_snapshots(load_events(path, need_label=False), points)
    return {(p.snapshot.ticket_id, p.snapshot.scored_at): p.snapshot for p in found}


def test_backlog_counts_only_incidents_open_at_that_moment(tmp_path: Path) -> None:
    found = snapshots(write_log(tmp_path / "log.csv", desk_rows()))
    assert found["INC1", at(0)].queue_backlog == 0
    assert found["INC2", at(30)].queue_backlog == 1  # INC1 still open
    assert found["INC2", at(30)].assignee_load == 1
    assert found["INC3", at(120)].queue_backlog == 1  # INC1 resolved at 60, INC2 open
    assert found["INC4", at(130)].queue_backlog == 0  # another queue
    assert found["INC4", at(130)].assignee_load == 0


def test_snapshots_never_change_when_later_rows_are_appended(tmp_path: Path) -> None:
    before = snapshots(write_log(tmp_path / "a.csv", desk_rows()), UPDATES)
    later = [
        row("INC2", "Resolved", at(30), at(400)),
        row("INC5", "New", at(200), at(200), assigned_to="Ann"),
        row("INC3", "Active", at(120), at(300), assignment_group="Group B", reassignment_count=3),
    ]
    after = snapshots(write_log(tmp_path / "b.csv", desk_rows() + later), UPDATES)
    assert before.items() <= after.items()
    assert len(after) > len(before)


def test_a_snapshot_reads_its_own_row_not_later_ones(tmp_path: Path) -> None:
    found = snapshots(write_log(tmp_path / "log.csv", desk_rows()), UPDATES)
    assert found["INC2", at(30)].reassignment_count == 0
    assert found["INC2", at(90)].reassignment_count == 1


def test_resolved_and_closed_rows_are_not_scoring_points(tmp_path: Path) -> None:
    found = snapshots(write_log(tmp_path / "log.csv", desk_rows()), UPDATES)
    assert ("INC1", at(60)) not in found
    assert ("INC1", at(600)) not in found


def test_the_label_is_made_sla_of_the_final_row(tmp_path: Path) -> None:
    rows = [
        row("INC1", "New", at(0), at(0), made_sla="True"),
        row("INC1", "Closed", at(0), at(900), made_sla="False"),
        row("INC2", "New", at(5), at(5), made_sla="False"),
        row("INC2", "Closed", at(5), at(950), made_sla="True"),
    ]
    # Rows out of time order in the file: the final row is the latest, not the last line.
    events = load_events(write_log(tmp_path / "log.csv", [rows[1], rows[0], rows[3], rows[2]]))
    assert events.missed() == {"INC1": True, "INC2": False}
    labels = {p.snapshot.ticket_id: p.missed for p in build_snapshots(events, OPENING)}
    assert labels == {"INC1": True, "INC2": False}


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c not in ("opened_at", "made_sla")]
    path = write_log(tmp_path / "log.csv", desk_rows(), columns)
    with pytest.raises(TrainingDataError, match=r"missing column\(s\) opened_at, made_sla"):
        load_events(path)
    with pytest.raises(TrainingDataError, match="opened_at") as err:
        load_events(path, need_label=False)
    assert "made_sla" not in str(err.value)


def test_a_mapping_reads_another_systems_names(tmp_path: Path) -> None:
    renamed = [
        {("ticket_id" if k == "number" else k): v for k, v in r.items()} for r in desk_rows()
    ]
    columns = ["ticket_id" if c == "number" else c for c in COLUMNS]
    path = write_log(tmp_path / "log.csv", renamed, columns)
    with pytest.raises(TrainingDataError, match="number"):
        load_events(path, need_label=False)
    events = load_events(path, parse_mapping(["number=ticket_id"]), need_label=False)
    assert {e.ticket_id for e in events.events} == {"INC1", "INC2", "INC3", "INC4"}


def test_bad_mappings_and_leaky_extras_are_refused() -> None:
    with pytest.raises(TrainingDataError, match="OURS=THEIRS"):
        parse_mapping(["number"])
    with pytest.raises(TrainingDataError, match="not a column we read"):
        parse_mapping(["sys_mod_count=mods"])
    with pytest.raises(TrainingDataError, match="leak"):
        load_events(Path("unused.csv"), extras=("closed_at",))


def test_gzip_question_marks_and_bad_cells(tmp_path: Path) -> None:
    plain = write_log(tmp_path / "log.csv", desk_rows())
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    events = load_events(packed, need_label=False)
    first = events.events[0]
    assert first.opened_at.isoformat() == "2016-03-01T09:00:00+00:00"
    assert first.priority == 3 and first.extra["impact"] == "2 - Medium"
    bad = write_log(
        tmp_path / "bad.csv", [*desk_rows(), row("INC9", "New", at(0), at(0), priority="?")]
    )
    with pytest.raises(TrainingDataError, match="line 9: priority is empty"):
        load_events(bad, need_label=False)
