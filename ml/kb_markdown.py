"""Knowledge-base articles as Markdown files: parse the front matter, chunk the body by heading.

An article file starts with a YAML front matter block between two `---` lines:

    ---
    id: kb-password-reset-self-service
    title: Reset your password yourself
    category: password_reset
    tags: [password, sspr]
    updated: 2025-01-15
    audience: user
    ---

`id` and `title` are required; `category` defaults to `general`, `audience` to `user`. The body
is chunked at `##` headings (deeper headings stay inside their section) so a search hit can point
at the section that answers, and long sections are split again with overlap because the encoder
reads only the first ~256 word pieces of a text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
AUDIENCES = frozenset({"user", "agent"})
DEFAULT_CATEGORY = "general"
# ~180 words: under the encoder's 256 word-piece window with room for the title and heading.
MAX_CHUNK_CHARS = 900
OVERLAP_CHARS = 150
SNIPPET_CHARS = 240
_FENCE = "---"


class ArticleError(ValueError):
    """An article file cannot be used; the message names the file and the fix."""


class KbArticle(BaseModel):
    id: str
    title: str
    category: str = DEFAULT_CATEGORY
    tags: list[str] = Field(default_factory=list)
    updated: str | None = None  # ISO date
    audience: str = "user"
    body: str
    source: str  # the file name the article came from


class Chunk(BaseModel):
    article_id: str
    index: int
    title: str
    category: str
    tags: list[str]
    heading: str
    text: str

    @property
    def embed_text(self) -> str:
        """What the encoder reads. The title, the author's tags and the heading give a short
        section its context; the tags also carry the words users type ("out of office") that
        the body may phrase differently ("automatic replies")."""
        lines = [self.title, ", ".join(self.tags), self.heading, self.text]
        return "\n".join(line for line in lines if line)


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise ArticleError(f"{name}: no front matter: the file must start with a '---' line")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE)
    except StopIteration:
        raise ArticleError(f"{name}: front matter is not closed by a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as err:
        raise ArticleError(f"{name}: front matter is not valid YAML: {_yaml_problem(err)}") from err
    if not isinstance(meta, dict):
        raise ArticleError(
            f"{name}: front matter must be a mapping of fields (id: ..., title: ...)"
        )
    return meta, "\n".join(lines[end + 1 :]).strip()


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line a writer can act on, instead of PyYAML's multi-line report."""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    # +2: the fence line, and PyYAML counts from zero.
    return f"{problem} (line {mark.line + 2})" if mark is not None else str(problem)


def _required_text(meta: dict[str, Any], field: str, name: str) -> str:
    value = meta.get(field)
    if value is None or not str(value).strip():
        raise ArticleError(f"{name}: front matter has no '{field}'")
    return str(value).strip()


def _tags(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise ArticleError(f"{name}: 'tags' must be a list, e.g. tags: [printer, mapping]")
    return [str(tag).strip() for tag in value if str(tag).strip()]


def _updated(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, dt.date):
        return value.isoformat() if value is not None else None
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ArticleError(f"{name}: 'updated' must be an ISO date like 2025-01-31") from None


def article_from_text(text: str, name: str) -> KbArticle:
    meta, body = split_front_matter(text, name)
    article_id = _required_text(meta, "id", name)
    if not ID_PATTERN.match(article_id):
        raise ArticleError(
            f"{name}: id {article_id!r} must be a lower-case slug (letters, digits, '-', '_', '.')"
        )
    audience = str(meta.get("audience") or "user").strip()
    if audience not in AUDIENCES:
        raise ArticleError(f"{name}: audience must be 'user' or 'agent', not {audience!r}")
    if not body:
        raise ArticleError(f"{name}: the article has front matter but no body")
    return KbArticle(
        id=article_id,
        title=_required_text(meta, "title", name),
        category=str(meta.get("category") or DEFAULT_CATEGORY).strip(),
        tags=_tags(meta.get("tags"), name),
        updated=_updated(meta.get("updated"), name),
        audience=audience,
        body=body,
        source=name,
    )


def parse_article(path: Path, name: str | None = None) -> KbArticle:
    """One article file; raises ArticleError naming the file when it cannot be used."""
    name = name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ArticleError(f"{name}: cannot be read as UTF-8 text: {err}") from err
    return article_from_text(text, name)


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) per `##` section; text before the first one has an empty heading."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if match:
            sections.append((match.group(1), []))
        elif not re.match(r"^#\s", line):  # an H1 repeats the title
            sections[-1][1].append(line)
    joined = [(heading, "\n".join(lines).strip()) for heading, lines in sections]
    return [(heading, text) for heading, text in joined if text]


def _pieces(line: str, limit: int) -> list[str]:
    """A single line longer than the limit, cut at word boundaries."""
    pieces, current = [], ""
    for word in line.split():
        if current and len(current) + 1 + len(word) > limit:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*pieces, current] if current else pieces


def _tail(lines: list[str], budget: int) -> list[str]:
    """The last whole lines of a window that fit in the overlap budget."""
    tail: list[str] = []
    for line in reversed(lines):
        if sum(len(t) + 1 for t in tail) + len(line) > budget:
            break
        tail.insert(0, line)
    return tail


def split_text(
    text: str, max_chars: int = MAX_CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[str]:
    """Windows of whole lines up to max_chars; each repeats the previous window's last lines
    (up to `overlap` characters) so a step cut at a boundary is still read in context."""
    if len(text) <= max_chars:
        return [text]
    lines = [piece for line in text.splitlines() for piece in _pieces(line, max_chars) or [""]]
    windows: list[str] = []
    current: list[str] = []
    fresh = 0  # lines in `current` not already in the previous window
    for line in lines:
        if fresh and len("\n".join([*current, line])) > max_chars:
            windows.append("\n".join(current).strip())
            current = _tail(current, overlap)
            fresh = 0
            while current and len("\n".join([*current, line])) > max_chars:
                current.pop(0)
        current.append(line)
        fresh += 1
    windows.append("\n".join(current).strip())
    return [window for window in windows if window]


def chunk_article(
    article: KbArticle, max_chars: int = MAX_CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    """Chunks in reading order, numbered from 0; the same text always gives the same chunks."""
    texts = [
        (heading, piece)
        for heading, section in _sections(article.body)
        for piece in split_text(section, max_chars, overlap)
    ]
    return [
        Chunk(
            article_id=article.id,
            index=index,
            title=article.title,
            category=article.category,
            tags=article.tags,
            heading=heading,
            text=text,
        )
        for index, (heading, text) in enumerate(texts)
    ]


class SkippedFile(BaseModel):
    file: str
    reason: str


def article_files(directory: Path) -> list[tuple[Path, str]]:
    """(path, name relative to the directory) of every article file, in a stable order.
    README.md and hidden folders are documentation and tooling, not articles."""
    found = []
    for path in sorted(directory.rglob("*.md")):
        name = path.relative_to(directory).as_posix()
        if path.name.lower() == "readme.md" or any(p.startswith(".") for p in name.split("/")):
            continue
        found.append((path, name))
    return found


def load_articles(directory: Path) -> tuple[list[KbArticle], list[SkippedFile]]:
    """Every article under the directory; bad files and duplicate ids are reported and
    skipped so one broken article never stops the rest from importing."""
    articles: list[KbArticle] = []
    skipped: list[SkippedFile] = []
    seen: dict[str, str] = {}
    for path, name in article_files(directory):
        try:
            article = parse_article(path, name)
        except ArticleError as err:
            skipped.append(SkippedFile(file=name, reason=str(err)))
            continue
        if article.id in seen:
            reason = f"{name}: id {article.id!r} is already used by {seen[article.id]}"
            skipped.append(SkippedFile(file=name, reason=reason))
            continue
        seen[article.id] = name
        articles.append(article)
    return articles, skipped


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The chunk as one plain line, cut at a word boundary."""
    plain = re.sub(r"^\s*(?:\d+\.|[-*+>])\s+", "", text, flags=re.MULTILINE)
    plain = " ".join(re.sub(r"[*_`#]+", "", plain).split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + "…"
