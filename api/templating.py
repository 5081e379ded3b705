"""Jinja2 templates for the console and the reports, and the headers every page carries."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONSOLE_STATIC_PATH = "/console/static"

# Scripts and styles only from our own files (no inline script, no eval): ticket text that
# slipped through as markup still could not run. Pages are never framed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def markdown_escape(value: object) -> str:
    """Free text (a service name from a ticket) must not become a link or markup in Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


@lru_cache(maxsize=1)
def html_templates() -> Jinja2Templates:
    """HTML templates; autoescaping is on, so ticket text always renders as text."""
    return Jinja2Templates(directory=TEMPLATES_DIR)


@lru_cache(maxsize=1)
def markdown_templates() -> Environment:
    # Markdown is not HTML: HTML escaping would show &lt; in the text. Free text goes through
    # the `md` filter instead.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,  # noqa: S701 (Markdown output; see the comment above)
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    return env
