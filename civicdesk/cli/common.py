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


def _without_pydantic(params) -> None:
    """Give text parameters (`str`, `Optional[str]`) and command-line flags (`bool`, no environment variable:
    --help) Typer's own pass-through check instead of a pydantic TypeAdapter.

    Typer 0.29 checks every parameter it processes with a TypeAdapter, and building the first imports pydantic
    (a quarter of a second of `civicdesk kpi`'s start). A command line's text needs no conversion, and a
    flag's value is already True, False or None, so the pass-through check (the value must be a str, or a
    bool; None stays None) accepts exactly what the TypeAdapter would. Any other parameter keeps pydantic;
    should Typer's internals change, every parameter simply keeps Typer's own check.
    """
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        text = descriptor.annotation is str and descriptor.file_annotation is None
        flag = descriptor.annotation is bool and getattr(param, "is_flag", False) and not param.envvar
        if text or flag:
            param._runtime_param = PassThroughRuntimeParam(parameter_info=descriptor.parameter_info,
                                                           annotation=descriptor.annotation)


class TextParameters(typer.core.TyperCommand):
    """A command whose text parameters and flags are checked without pydantic (`_without_pydantic`), for the
    commands that must start quickly: ``app.command(cls=TextParameters)(function)``."""

    def parse_args(self, ctx, args):
        _without_pydantic(self.get_params(ctx))
        return super().parse_args(ctx, args)


class TextParametersGroup(typer.core.TyperGroup):
    """The `civicdesk` group with its own --help checked without pydantic (`_without_pydantic`), so that a
    `TextParameters` command runs without it."""

    def parse_args(self, ctx, args):
        _without_pydantic(self.get_params(ctx))
        return super().parse_args(ctx, args)


class LazyModule:
    """A module imported when one of its attributes is first used: ``store = LazyModule("civicdesk.store")``
    reads like ``from civicdesk import store`` but costs nothing until a command calls ``store.…``."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        return getattr(importlib.import_module(self._name), attr)


def table_text(columns: dict[str, list], float_format=str) -> str:
    """The columns as `pandas.DataFrame.to_string(index=False, float_format=float_format)` prints them, without
    importing pandas (`civicdesk kpi` starts without it).

    A column of ints prints them as they are, a column of numbers with any float prints each with
    `float_format` (NaN as "NaN"), any other column its values as text (tabs and line breaks escaped); a
    numeric column's header gets one space in front, as pandas gives it. Every cell and header is
    right-aligned to its column's width and the columns are joined by a space. No rows: pandas' three lines.
    """
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return f"Empty DataFrame\nColumns: [{', '.join(names)}]\nIndex: []"
    blocks = []
    for name, values in columns.items():
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numeric and all(isinstance(v, int) for v in values):
            cells = [f"{v:d}" for v in values]
        elif numeric:
            cells = ["NaN" if v != v else float_format(v) for v in values]
        else:
            cells = [str(v).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r") for v in values]
        header = (" " if numeric else "") + name
        width = max(len(header), *(len(c) for c in cells))
        blocks.append([header.rjust(width)] + [c.rjust(width) for c in cells])
    return "\n".join(" ".join(line) for line in zip(*blocks))


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
