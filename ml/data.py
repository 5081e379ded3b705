"""Training data: JSONL or CSV (optionally gzipped) exported from any help desk.

Our names are `subject`, `description` and the heads `category`, `priority`, `tier`, `queue`; a
column mapping (`subject=title`) imports another system's export. Labels stay the user's own
strings: a numeric code 4 (or "4.0" from a spreadsheet) comes back as "4". A head whose column is
absent is not trained; a row with an empty label only drops out of that head.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import math
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ml.errors import TrainingDataError
from ml.text import clean_text, is_blank

log = logging.getLogger(__name__)

HEADS = ("category", "priority", "tier", "queue")
TEXT_COLUMNS = ("subject", "description")
MAPPABLE = (*TEXT_COLUMNS, *HEADS, "id", "channel")
SUFFIXES = (".jsonl", ".ndjson", ".csv", ".jsonl.gz", ".ndjson.gz", ".csv.gz")
_INTEGRAL_FLOAT = re.compile(r"^-?\d+\.0+$")


@dataclass
class Dataset:
    """Rows of ticket text with the labels of every head the files have."""

    subjects: list[str]
    descriptions: list[str]
    labels: dict[str, list[str | None]]
    extras: dict[str, list[str | None]] = field(default_factory=dict)
    data_hash: str = ""
    sources: list[str] = field(default_factory=list)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    _texts: list[str] | None = None

    def __len__(self) -> int:
        return len(self.subjects)

    @property
    def heads(self) -> list[str]:
        return [head for head in HEADS if head in self.labels]

    def texts(self) -> list[str]:
        """The cleaned model text of every row (computed once)."""
        if self._texts is None:
            self._texts = [
                clean_text(s, d) for s, d in zip(self.subjects, self.descriptions, strict=True)
            ]
        return self._texts


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """`["subject=title", "queue=business_service"]` -> {"subject": "title", ...}."""
    mapping: dict[str, str] = {}
    for item in items or []:
        ours, sep, theirs = item.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise TrainingDataError(f"--map {item!r}: write it as OURS=THEIRS, e.g. subject=title")
        if ours not in MAPPABLE:
            raise TrainingDataError(
                f"--map {item!r}: {ours!r} is not a field; map one of {', '.join(MAPPABLE)}"
            )
        mapping[ours] = theirs
    return mapping


def as_label(value: Any) -> str | None:
    """A label as a string, or None when the cell is empty."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    if _INTEGRAL_FLOAT.match(text):
        text = text.split(".", 1)[0]
    return text or None


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _json_rows(handle: IO[str], path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise TrainingDataError(f"{path}: line {number} is not valid JSON ({err.msg})") from err
        if not isinstance(row, dict):
            raise TrainingDataError(f"{path}: line {number} is not a JSON object")
        yield row


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a JSONL or CSV file as a dict, with errors a person can act on."""
    if not path.name.endswith(SUFFIXES):
        raise TrainingDataError(f"{path}: unsupported file type; use one of {', '.join(SUFFIXES)}")
    try:
        with _open_text(path) as handle:
            if ".csv" in path.suffixes:
                return [dict(row) for row in csv.DictReader(handle)]
            return list(_json_rows(handle, path))
    except FileNotFoundError as err:
        raise TrainingDataError(f"{path}: file not found") from err
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as err:
        raise TrainingDataError(f"{path}: cannot read it as UTF-8 {path.suffix} ({err})") from err


def file_hash(paths: list[Path], mapping: dict[str, str]) -> str:
    """sha256 of the files' bytes and the mapping: the same data gives the same hash."""
    digest = hashlib.sha256(json.dumps(mapping, sort_keys=True).encode())
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _check_columns(path: Path, rows: list[dict[str, Any]], mapping: dict[str, str]) -> None:
    if not rows:
        raise TrainingDataError(f"{path}: the file has no rows; export some tickets first")
    columns = set().union(*(row.keys() for row in rows[:100]))
    missing = [ours for ours in TEXT_COLUMNS if mapping.get(ours, ours) not in columns]
    if missing:
        hints = " ".join(f"--map {ours}=<column>" for ours in missing)
        raise TrainingDataError(
            f"{path}: missing column(s) {', '.join(mapping.get(m, m) for m in missing)}; "
            f"the file has {', '.join(sorted(columns))}. Rename them or pass {hints}"
        )


def _columns_present(rows: list[dict[str, Any]], names: list[str]) -> list[str]:
    return [name for name in names if any(name in row for row in rows[:100])]


def load_dataset(
    paths: list[Path], mapping: dict[str, str] | None = None, extras: list[str] | None = None
) -> Dataset:
    """Reads and concatenates `paths`; `extras` names other columns to keep (e.g. for slices)."""
    mapping = mapping or {}
    if not paths:
        raise TrainingDataError("no data file given; pass --data PATH")
    subjects: list[str] = []
    descriptions: list[str] = []
    labels: dict[str, list[str | None]] = {}
    kept: dict[str, list[str | None]] = {name: [] for name in extras or []}
    for path in paths:
        rows = read_rows(path)
        _check_columns(path, rows, mapping)
        heads = _columns_present(rows, [mapping.get(h, h) for h in HEADS])
        for head in HEADS:
            column = mapping.get(head, head)
            if column in heads:
                labels.setdefault(head, [None] * len(subjects))
        for row in rows:
            subjects.append(str(row.get(mapping.get("subject", "subject")) or ""))
            descriptions.append(str(row.get(mapping.get("description", "description")) or ""))
            for head, values in labels.items():
                values.append(as_label(row.get(mapping.get(head, head))))
            for name, values in kept.items():
                values.append(as_label(row.get(mapping.get(name, name))))
    dataset = Dataset(subjects, descriptions, labels, kept, file_hash(paths, mapping))
    dataset.sources = [str(p) for p in paths]
    return _without_blank_rows(_without_empty_heads(dataset))


def _without_empty_heads(dataset: Dataset) -> Dataset:
    for head in list(dataset.labels):
        if all(label is None for label in dataset.labels[head]):
            log.warning("column for head %s has no labels; the head is not trained", head)
            del dataset.labels[head]
    return dataset


def _without_blank_rows(dataset: Dataset) -> Dataset:
    keep = [i for i, text in enumerate(dataset.texts()) if not is_blank(text)]
    if not keep:
        raise TrainingDataError(f"{', '.join(dataset.sources)}: every row's text is empty")
    if len(keep) == len(dataset):
        return dataset
    log.warning("skipped %d rows whose subject and description are empty", len(dataset) - len(keep))
    return subset(dataset, keep)


def subset(dataset: Dataset, rows: list[int]) -> Dataset:
    """The given rows of a dataset, in that order."""
    texts = dataset.texts()
    part = Dataset(
        subjects=[dataset.subjects[i] for i in rows],
        descriptions=[dataset.descriptions[i] for i in rows],
        labels={head: [values[i] for i in rows] for head, values in dataset.labels.items()},
        extras={name: [values[i] for i in rows] for name, values in dataset.extras.items()},
        data_hash=dataset.data_hash,
        sources=dataset.sources,
        dropped=dict(dataset.dropped),
    )
    part._texts = [texts[i] for i in rows]
    return part


def drop_rare_labels(dataset: Dataset, min_examples: int = 2) -> Dataset:
    """Labels with fewer than `min_examples` rows leave their head, with a warning.

    Dropping (rather than refusing the whole file) keeps every other class trainable: one stray
    label in a long export should not block retraining. A head left with fewer than two labels is
    not trained. The dropped labels are recorded in the model's config.
    """
    for head in list(dataset.labels):
        values = dataset.labels[head]
        counts = Counter(v for v in values if v is not None)
        rare = sorted(label for label, n in counts.items() if n < min_examples)
        if rare:
            log.warning(
                "head %s: dropped %d label(s) with fewer than %d examples: %s",
                head,
                len(rare),
                min_examples,
                ", ".join(rare[:10]),
            )
            dataset.dropped[head] = rare
            dataset.labels[head] = [None if v in rare else v for v in values]
        if len(counts) - len(rare) < 2:
            log.warning("head %s: fewer than two labels left; the head is not trained", head)
            del dataset.labels[head]
    if not dataset.labels:
        raise TrainingDataError(
            "nothing to train: no head column (category, priority, tier, queue) has two labels "
            f"with {min_examples}+ examples each; add labelled rows or map a column with --map"
        )
    return dataset


def stratified_split(
    dataset: Dataset, test_size: float, seed: int, head: str | None = None
) -> tuple[list[int], list[int]]:
    """Row indices (train, test), stratified on `head` (default: the first head).

    Rows with the same cleaned text stay on one side, so a duplicated ticket cannot leak from
    training into the held-back split. A label with too few rows for a test share stays in train.
    """
    head = head or dataset.heads[0]
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(dataset.texts()):
        groups.setdefault(text.lower(), []).append(i)
    by_label: dict[str, list[list[int]]] = {}
    for rows in groups.values():
        by_label.setdefault(str(dataset.labels[head][rows[0]]), []).append(rows)
    rng = random.Random(seed)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        label_groups = by_label[label]
        rng.shuffle(label_groups)
        target = round(sum(len(g) for g in label_groups) * test_size)
        taken = 0
        for rows in label_groups:
            side = test if taken < target else train
            side.extend(rows)
            taken += len(rows) if side is test else 0
    return sorted(train), sorted(test)
