"""Point the registry's `current` at a version; running workers pick it up on their next poll.

python -m ml.promote 2026-11-28T12-00-00-1a2b3c4d [--registry var/models]
python -m ml.promote --list
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ml.errors import ModelLoadError
from ml.registry import ModelRegistry, default_registry_dir


def _list(registry: ModelRegistry) -> None:
    versions = registry.versions()
    if not versions:
        typer.echo(f"no model versions in {registry.root}")
    for info in versions:
        marker = "*" if info.current else " "
        scores = ", ".join(f"{head} {f1:.3f}" for head, f1 in info.macro_f1.items())
        typer.echo(f"{marker} {info.version}  macro-F1: {scores or 'n/a'}")


def main(
    version: Annotated[
        str | None, typer.Argument(help="The version folder name to promote.")
    ] = None,
    registry: Annotated[
        Path | None, typer.Option(help="Registry folder (default $TRIAGEDESK_DATA_DIR/models).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List versions and their metrics.")] = False,
) -> None:
    """Promote a trained model version (or list versions)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    models = ModelRegistry(registry or default_registry_dir())
    if list_ or version is None:
        _list(models)
        return
    previous = models.current_version()
    try:
        models.promote(version)
    except ModelLoadError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    typer.echo(f"promoted {version} (was {previous or 'none'}) in {models.root}")


if __name__ == "__main__":
    typer.run(main)
