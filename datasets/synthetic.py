"""A seeded synthetic ticket generator for tests and demos.

Every category of the service catalog appears (each block of len(categories) tickets holds each
category once). Impact and urgency are drawn per ticket, written into the text as cues ("the whole
office has it", "no rush"), and turned into the priority label with the catalog's priority
matrix; tier and queue come from the category. Writers differ (terse, verbose, non-native, angry,
polite), some tickets have typos and some arrive as HTML e-mail bodies. The same seed gives the
same tickets.

    python -m datasets.synthetic --n 2000 --seed 7 --out var/synthetic.jsonl
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Annotated, Any

import typer

from datasets import synthetic_phrases as ph
from triagedesk.config import Catalog, CategoryDef, load_catalog
from triagedesk.settings import CONFIG_DIR

log = logging.getLogger(__name__)

LEVELS = ("low", "medium", "high", "critical")
WRITERS = ("terse", "verbose", "non_native", "angry", "polite")
CHANNELS = ("email", "portal", "chat", "phone")
TYPO_RATE = 0.3
HTML_RATE = 0.3
# (impact weights, urgency weights) over LEVELS; categories not named use the default.
DEFAULT_PROFILE = ((55, 25, 15, 5), (25, 40, 28, 7))
PROFILES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "outage": ((0, 10, 50, 40), (0, 5, 50, 45)),
    "network": ((20, 30, 35, 15), (5, 35, 45, 15)),
    "business_app": ((20, 30, 30, 20), (5, 35, 40, 20)),
    "phishing": ((50, 30, 15, 5), (0, 20, 60, 20)),
    "malware": ((50, 30, 15, 5), (0, 20, 55, 25)),
    "account_compromise": ((60, 25, 10, 5), (0, 20, 60, 20)),
    "general": ((90, 10, 0, 0), (70, 30, 0, 0)),
    "onboarding": ((85, 15, 0, 0), (50, 40, 10, 0)),
    "offboarding": ((90, 10, 0, 0), (50, 40, 10, 0)),
    "access_request": ((80, 20, 0, 0), (40, 45, 15, 0)),
    "device_replacement": ((90, 10, 0, 0), (45, 40, 15, 0)),
}


def _fill(template: str, rng: random.Random) -> str:
    slots = {key: rng.choice(values) for key, values in ph.SLOTS.items()}
    return template.format(**slots)


def _phrases(category: CategoryDef) -> tuple[list[str], list[str]]:
    """The category's phrase table; a category added to the catalog later uses its own text."""
    if category.id in ph.PHRASES:
        return ph.PHRASES[category.id]
    bodies = [e[0].lower() + e[1:] for e in category.examples] or [category.description]
    return [category.name], bodies


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def add_typos(text: str, rng: random.Random, count: int) -> str:
    words = text.split(" ")
    for _ in range(count):
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    return " ".join(words)


def _cues(impact: str, urgency: str, rng: random.Random) -> list[str]:
    cues = [rng.choice(ph.IMPACT_CUES[impact]), rng.choice(ph.URGENCY_CUES[urgency])]
    return [cue for cue in cues if cue]


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")


def _write(writer: str, core: str, cues: list[str], rng: random.Random) -> str:
    """The description as a given kind of writer would put it."""
    name = rng.choice(ph.SLOTS["name"])
    if writer == "terse":
        return " ".join([core, *cues]).lower()
    if writer == "angry":
        lines = [_sentence(core).upper(), rng.choice(ph.ANGRY_LINES), *map(_sentence, cues)]
        return " ".join(lines).rstrip(".") + "!!!"
    if writer == "non_native":
        for plain, foreign in ph.NON_NATIVE:
            if rng.random() < 0.5:
                core = core.replace(plain, foreign, 1)
        return " ".join([_sentence(core), *map(_sentence, cues), rng.choice(ph.NON_NATIVE_ENDINGS)])
    greeting = f"{rng.choice(ph.GREETINGS)},"
    if writer == "polite":
        body = [greeting, _sentence(rng.choice(ph.POLITE_OPENERS)), _sentence(core)]
    else:
        details = [_fill(d, rng) for d in rng.sample(ph.VERBOSE_DETAILS, 2)]
        body = [greeting, _sentence(core), *map(_sentence, details)]
    return " ".join([*body, *map(_sentence, cues), f"{rng.choice(ph.SIGN_OFFS)}, {name}"])


def as_html(text: str, rng: random.Random) -> str:
    """An e-mail client's HTML rendering of a plain description."""
    sentences = [s for s in text.replace("!!!", "!").split(". ") if s]
    paragraphs = "".join(f"<p>{s.strip()}</p>" for s in sentences)
    signature = f"<div style='color:#888'>Sent from Outlook&nbsp;| ext. {rng.randint(1000, 9999)}"
    return f"<html><body>{paragraphs}<br>{signature}</div></body></html>"


def _levels(category_id: str, rng: random.Random) -> tuple[str, str]:
    impact_w, urgency_w = PROFILES.get(category_id, DEFAULT_PROFILE)
    return rng.choices(LEVELS, impact_w)[0], rng.choices(LEVELS, urgency_w)[0]


def _subject(subjects: list[str], urgency: str, rng: random.Random) -> str:
    subject = _fill(rng.choice(subjects), rng)
    if urgency in ("high", "critical") and rng.random() < 0.3:
        subject = f"URGENT: {subject}"
    elif rng.random() < 0.1:
        subject = f"RE: {subject}"
    return subject


def ticket(
    number: int, category: CategoryDef, catalog: Catalog, rng: random.Random
) -> dict[str, Any]:
    """One labelled ticket of `category`."""
    subjects, bodies = _phrases(category)
    impact, urgency = _levels(category.id, rng)
    writer = rng.choice(WRITERS)
    description = _write(writer, _fill(rng.choice(bodies), rng), _cues(impact, urgency, rng), rng)
    subject = _subject(subjects, urgency, rng)
    if rng.random() < TYPO_RATE:
        description = add_typos(description, rng, rng.randint(1, 3))
    channel = rng.choice(CHANNELS)
    if channel == "email" and rng.random() < HTML_RATE:
        description = as_html(description, rng)
    return {
        "id": f"SYN-{number:05d}",
        "subject": subject,
        "description": description,
        "category": category.id,
        "priority": catalog.priority_matrix[impact][urgency],
        "tier": str(category.tier),
        "queue": category.queue,
        "impact": impact,
        "urgency": urgency,
        "channel": channel,
        "writer": writer,
    }


def generate(n: int, seed: int = 7, catalog_path: Path | None = None) -> list[dict[str, Any]]:
    """`n` labelled tickets; every catalog category appears once per block of categories."""
    catalog = load_catalog(catalog_path or CONFIG_DIR / "catalog.yaml")
    rng = random.Random(seed)
    tickets: list[dict[str, Any]] = []
    order: list[CategoryDef] = []
    for number in range(n):
        if not order:
            order = list(catalog.categories)
            rng.shuffle(order)
        tickets.append(ticket(number + 1, order.pop(), catalog, rng))
    return tickets


def main(
    n: Annotated[int, typer.Option("--n", help="How many tickets to write.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 7,
    out: Annotated[Path, typer.Option(help="Output JSONL file.")] = Path("var/synthetic.jsonl"),
    catalog: Annotated[
        Path | None, typer.Option(help="Service catalog YAML (default: config/catalog.yaml).")
    ] = None,
) -> None:
    """Write synthetic labelled tickets as JSONL."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in generate(n, seed, catalog):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {n} tickets to {out}")


if __name__ == "__main__":
    typer.run(main)
