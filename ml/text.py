"""Ticket text as the models read it: HTML stripped, control characters gone, whitespace tidy.

The cleaned text is for the models only: it is truncated, so callers keep the original subject and
description on the ticket. Emoji and non-English text are kept as they are; the encoder and the
character n-grams both cope with them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

# all-MiniLM-L6-v2 reads at most 256 word pieces (about 1,000-1,500 characters of English), so a
# longer text only costs time in the TF-IDF step; 2,000 keeps the whole encoder window.
MAX_MODEL_CHARS = 2000

_HTML_HINT = re.compile(
    r"<\s*(html|body|div|p|br|span|table|tr|td|font|a\s|b|i|u|strong|em|ul|ol|li|style|head)\b",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "blockquote"}
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
# Zero-width joiners stay: they hold multi-part emoji together.
_KEEP_FORMAT_CHARS = frozenset({"\u200c", "\u200d"})
_WHITESPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML body, with a line break per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text))


def strip_html(text: str) -> str:
    """The visible text of an HTML e-mail body; plain text comes back with entities decoded."""
    if not looks_like_html(text):
        return html.unescape(text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def remove_control_chars(text: str) -> str:
    """Drops control and invisible format characters; whitespace controls become spaces."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category == "Cc" or (category == "Cf" and char not in _KEEP_FORMAT_CHARS):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def normalise(text: str) -> str:
    """HTML to text, NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", strip_html(text))
    return _WHITESPACE.sub(" ", remove_control_chars(text)).strip()


def truncate(text: str, max_chars: int = MAX_MODEL_CHARS) -> str:
    """Cuts at the last space before `max_chars` so no word is split in half."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def clean_text(subject: str, description: str, max_chars: int = MAX_MODEL_CHARS) -> str:
    """The text the models read for one ticket: subject then description, cleaned and truncated."""
    subject, description = normalise(subject or ""), normalise(description or "")
    if subject and description and subject[-1] not in ".!?:;":
        subject += "."
    return truncate(f"{subject} {description}".strip(), max_chars)


def is_blank(text: str) -> bool:
    """True when a text has no letter or digit in any script, e.g. "", "???" or only emoji.

    Such a ticket gives a model nothing to read: its predictions are flagged for review.
    """
    return not any(char.isalnum() for char in text)
