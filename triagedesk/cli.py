"""The `triagedesk` command: run the whole stack or one part of it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from triagedesk.settings import Settings
from triagedesk.types import LookupInput

if TYPE_CHECKING:
    from ml.kb import ImportReport

app = typer.Typer(
    help="TriageDesk: AI-assisted help-desk triage on durable Temporal workflows.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def dev() -> None:
    """Start the Temporal dev server (with its Web UI), the worker and the API on embedded
    defaults (data under TRIAGEDESK_DATA_DIR, ./var by default)."""
    from triagedesk import dev as dev_stack
    from triagedesk import logs

    settings = Settings()
    logs.configure(settings.log_level)
    raise typer.Exit(dev_stack.run(settings))


@app.command()
def api() -> None:
    """Run only the API (against TRIAGEDESK_TEMPORAL_ADDRESS and TRIAGEDESK_DATABASE_URL)."""
    from api.main import main

    main(Settings())


@app.command()
def worker() -> None:
    """Run only a worker; start as many as you need against the same Temporal cluster."""
    from worker.main import main

    main(Settings())


tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("add")
def tokens_add(
    role: str = typer.Argument(..., help="intake, agent, supervisor or admin"),
    name: str = typer.Argument(..., help="Who holds it: a person or a system, e.g. ana"),
    expires: str = typer.Option("", help="Last valid day, YYYY-MM-DD"),
) -> None:
    """Create a token: the tokens file keeps only its SHA-256, the token is shown once. Running
    API processes pick it up without a restart; delete its line to revoke it."""
    import secrets

    from api.auth import TokenError, digest, parse_entry

    token = secrets.token_urlsafe(24)
    line = f"{role}:{name}:sha256={digest(token).hex()}" + (f":{expires}" if expires else "")
    try:
        parse_entry(line, "the new token")
    except (TokenError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    path = Settings().resolved_tokens_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    path.chmod(0o600)
    typer.echo(f"added {role} token for {name} to {path}; it is shown only now:")
    typer.echo(token)


kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("import")
def kb_import(
    directory: Path = typer.Argument(..., help="Folder of Markdown articles (*.md)."),
) -> None:
    """Import articles into a new index version and switch searches to it. With the embedded
    Qdrant, a running worker owns the index: the import then runs inside the worker."""
    from ml.kb import KbUnavailableError
    from ml.kb_import import import_kb, print_report

    settings = Settings()
    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    folder = directory.resolve()
    try:
        report = import_kb(
            folder,
            qdrant_url=settings.qdrant_url,
            qdrant_api_key=key,
            qdrant_path=settings.qdrant_path,
            catalog=settings.catalog,
        )
    except KbUnavailableError:
        typer.echo("the index is open in the running worker; asking it to import...")
        report = asyncio.run(_import_through_worker(settings, folder))
    print_report(report)


async def _import_through_worker(settings: Settings, folder: Path) -> ImportReport:
    from ml.kb import ImportReport
    from triagedesk.temporal import connect

    client = await connect(settings)
    inp = LookupInput(activity="kb_import", arg={"directory": str(folder)}, timeout_seconds=600)
    result = await client.execute_workflow(
        "LookupWorkflow",
        inp,
        id=f"lookup-kb-import-{uuid.uuid4().hex[:8]}",
        task_queue=settings.task_queue,
        result_type=dict,
        execution_timeout=timedelta(minutes=11),
    )
    return ImportReport.model_validate(result)


if __name__ == "__main__":
    app()
