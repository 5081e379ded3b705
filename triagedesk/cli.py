"""The `triagedesk` command: run the whole stack or one part of it."""

from __future__ import annotations

import typer

from triagedesk.settings import Settings

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


if __name__ == "__main__":
    app()
