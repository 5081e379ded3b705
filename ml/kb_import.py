"""Import a folder of Markdown articles into the knowledge base.

    python -m ml.kb_import datasets/kb                      # local Qdrant under the data dir
    python -m ml.kb_import datasets/kb --qdrant-url http://qdrant:6333

Local mode locks its folder, so run this while the worker is stopped, or use a Qdrant server.
The API key for a server comes from TRIAGEDESK_QDRANT_API_KEY, never from the command line.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from ml.embeddings import Encoder, shared_encoder
from ml.kb import DEFAULT_ALIAS, ImportReport, KbError, KnowledgeBase, connect_qdrant
from triagedesk.config import ConfigError, load_catalog
from triagedesk.settings import CONFIG_DIR

log = logging.getLogger(__name__)


def default_qdrant_path() -> Path:
    return Path(os.environ.get("TRIAGEDESK_DATA_DIR", "var")) / "qdrant"


def catalog_categories(catalog: Path) -> set[str]:
    return {category.id for category in load_catalog(catalog).categories}


def import_kb(
    directory: Path,
    *,
    qdrant_url: str | None = None,
    qdrant_api_key: str | None = None,
    qdrant_path: Path | None = None,
    catalog: Path | None = CONFIG_DIR / "catalog.yaml",
    alias: str = DEFAULT_ALIAS,
    encoder: Encoder | None = None,
) -> ImportReport:
    """Rebuild the knowledge base from `directory` and switch the alias to it.

    Articles whose category is not in `catalog` are skipped (pass None to accept any).
    Raises KbError (the live index unchanged) or ConfigError for an unreadable catalog.
    """
    categories = catalog_categories(catalog) if catalog is not None else None
    client = connect_qdrant(qdrant_url, qdrant_api_key, qdrant_path or default_qdrant_path())
    try:
        knowledge_base = KnowledgeBase(client, encoder or shared_encoder(), alias)
        return knowledge_base.import_dir(directory, categories)
    finally:
        client.close()  # releases local mode's folder lock for the worker


def print_report(report: ImportReport) -> None:
    for skipped in report.skipped:
        typer.echo(f"skipped {skipped.reason}", err=True)
    if report.dropped:
        typer.echo(f"dropped old versions: {', '.join(report.dropped)}")
    if report.previous:
        typer.echo(f"previous version {report.previous} kept for rollback")
    typer.echo(report.summary())


def main(
    directory: Annotated[Path, typer.Argument(help="Folder of Markdown articles (*.md).")],
    qdrant_url: Annotated[
        str | None,
        typer.Option(envvar="TRIAGEDESK_QDRANT_URL", help="Qdrant server URL (default: local)."),
    ] = None,
    qdrant_path: Annotated[
        Path | None,
        typer.Option(help="Local Qdrant folder (default $TRIAGEDESK_DATA_DIR/qdrant, ./var)."),
    ] = None,
    catalog: Annotated[
        Path, typer.Option(help="Service catalog whose category ids articles must use.")
    ] = CONFIG_DIR / "catalog.yaml",
    alias: Annotated[str, typer.Option(help="Alias searches read from.")] = DEFAULT_ALIAS,
) -> None:
    """Import Markdown articles into a new index version and switch searches to it."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = import_kb(
            directory,
            qdrant_url=qdrant_url,
            qdrant_api_key=os.environ.get("TRIAGEDESK_QDRANT_API_KEY"),
            qdrant_path=qdrant_path,
            catalog=catalog,
            alias=alias,
        )
    except (KbError, ConfigError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    print_report(report)
    if report.skipped:
        raise typer.Exit(1)  # imported, but a file needs fixing: let scripts notice


if __name__ == "__main__":
    typer.run(main)
