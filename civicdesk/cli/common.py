"""What every `civicdesk` command shares: the --db option, opening the store, progress bars, one-line
failures and the import report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

# The store (SQLAlchemy, Alembic, pandas) and tqdm are imported by the helpers that use them, so that
# `civicdesk --help` and the commands that need no store start without them.

DB_OPTION = typer.Option(None, "--db", help="Store URL (default: CIVICDESK_DB_URL or data/civicdesk.db).")


def open_store(db: Optional[str]):
    """The store at `db` (or the default); one red sentence and exit code 1 when it cannot be opened."""
    from civicdesk import store
    from civicdesk.store.engine import StoreError

    try:
        return store.connect(db)
    except StoreError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


class LazyModule:
    """A module imported when one of its attributes is first used: ``store = LazyModule("civicdesk.store")``
    reads like ``from civicdesk import store`` but costs nothing until a command calls ``store.…``."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        return getattr(importlib.import_module(self._name), attr)


class ProgressBar:
    """Adapts a `progress(fraction, message)` callback to a tqdm bar in percent."""

    def __init__(self, desc: str):
        from tqdm import tqdm

        # no tqdm monitor thread: the command stays single-threaded, so the briefing may fork a second process
        tqdm.monitor_interval = 0
        self.bar = tqdm(total=100, desc=desc, unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def __call__(self, fraction: float, message: str) -> None:
        self.bar.n = round(100 * min(max(fraction, 0.0), 1.0))
        self.bar.set_postfix_str(message)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def or_exit(call, errors=None):
    """The call's result; one red sentence and exit code 1 when it raises one of ``errors`` (default: the
    store's `StoreError`)."""
    if errors is None:
        from civicdesk.store.engine import StoreError

        errors = (StoreError,)
    try:
        return call()
    except errors as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


def print_report(rep) -> None:
    from civicdesk.ingest.history import reason_label
    from civicdesk.ingest.normalize import WARNINGS

    typer.echo(f"{rep.file_name} ({rep.format}{', ' + rep.encoding if rep.encoding else ''}; profile "
               f"{rep.profile}; source {rep.source}; batch {rep.batch_id}; {rep.seconds:.1f} s)")
    for key in ("rows_read", "inserted", "updated", "unchanged", "quarantined"):
        typer.echo(f"  {key:<12}{getattr(rep, key):>12,}")
    for code, n in sorted(rep.reasons.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  quarantined: {reason_label(code, 'en')}: {n:,}")
    for code, n in sorted(rep.warnings.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  warning: {WARNINGS.get(code, (code, code))[1]}: {n:,}")
    if rep.proposed:
        print_proposal(rep.mapping, rep.basis, imported=True)


_BASIS = {"synonym": "from the header", "content": "from the contents", "user": "set by --map"}


def print_proposal(mapping: dict[str, str], basis: dict[str, str], imported: bool) -> None:
    """The mapping civicdesk proposed for headers no profile recognises, and how to check and override it."""
    typer.echo("No mapping profile recognises these headers; civicdesk proposed this mapping:")
    for name, header in mapping.items():
        typer.echo(f"  {name:<18} ← {header}  ({_BASIS.get(basis.get(name, ''), basis.get(name, ''))})")
    done = "The tickets were imported with it. " if imported else ""
    typer.secho(f"Warning: check this mapping. {done}If a field is wrong, import again with "
                "--map FIELD=COLUMN (e.g. --map street=所在区域; --map street= leaves a field out) or choose a "
                "profile with --profile NAME (see `civicdesk profiles`); --dry-run shows a mapping without "
                "writing anything.", fg="yellow", err=True)


def refuse_oversized(path: Path) -> None:
    """Exit with the importer's message when `path` is over the import limit (`importer.check_size`) or the
    limit itself is malformed."""
    from civicdesk.ingest.importer import check_size

    try:
        check_size(path)
    except ValueError as exc:  # NotATableError (too big) or a malformed CIVICDESK_MAX_IMPORT_MB
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
