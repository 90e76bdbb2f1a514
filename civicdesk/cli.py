"""The `civicdesk` command: build the demo district, import and export tickets, inspect the store, print KPIs."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from tqdm import tqdm

from civicdesk import store
from civicdesk.store import StoreError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="civicdesk: decision-support workbench for social-governance service centres.")

DB_OPTION = typer.Option(None, "--db", help="Store URL (default: CIVICDESK_DB_URL or data/civicdesk.db).")


def _open(db: Optional[str]):
    try:
        return store.connect(db)
    except StoreError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


class _Bar:
    """Adapts a `progress(fraction, message)` callback to a tqdm bar in percent."""

    def __init__(self, desc: str):
        # no tqdm monitor thread: the command stays single-threaded, so the briefing may fork a second process
        tqdm.monitor_interval = 0
        self.bar = tqdm(total=100, desc=desc, unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def __call__(self, fraction: float, message: str) -> None:
        self.bar.n = round(100 * min(max(fraction, 0.0), 1.0))
        self.bar.set_postfix_str(message)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def build_demo(engine, seed: int = 0, scale: float = 1.0, start: str = "2021-01-01", end: str = "2023-12-31") -> int:
    """Generate the demo district and load it into `engine`, with progress bars; returns tickets loaded."""
    from civicdesk.synth import generate_district

    bar = _Bar("生成演示区县 generating")
    district = generate_district(seed=seed, start=start, end=end, scale=scale, progress=bar)
    bar(1.0, f"{len(district.tickets):,} tickets")
    bar.close()
    bar = _Bar("写入数据库 loading")
    loaded = store.load_district(engine, district, progress=bar)
    bar.close()
    return loaded


@app.command()
def demo(scale: float = typer.Option(1.0, help="Volume scale (1.0 ≈ Zhangqiu: ~10,000 tickets a week)."),
         seed: int = typer.Option(0, help="Random seed; the same seed gives the same district."),
         start: str = typer.Option("2021-01-01", help="First day of ticket history."),
         end: str = typer.Option("2023-12-31", help="Last day of ticket history (the data snapshot)."),
         db: Optional[str] = DB_OPTION,
         if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the store already holds tickets.")):
    """Build the demo district (a Zhangqiu-like district) into the store."""
    engine = _open(db)
    if if_empty and store.data_span(engine) is not None:
        typer.echo("The store already holds tickets; leaving it as it is.")
        return
    began = time.perf_counter()
    loaded = build_demo(engine, seed=seed, scale=scale, start=start, end=end)
    typer.echo(f"Loaded {loaded:,} tickets into {engine.url.render_as_string(hide_password=True)} "
               f"in {time.perf_counter() - began:.0f} s.")


@app.command()
def info(db: Optional[str] = DB_OPTION):
    """Show the store's location, schema revision and data span."""
    engine = _open(db)
    span = store.data_span(engine)
    typer.echo(f"store:    {engine.url.render_as_string(hide_password=True)}")
    typer.echo(f"schema:   {store.current_revision(engine)} (this civicdesk knows up to {store.head_revision()})")
    typer.echo(f"tickets:  {'none yet' if span is None else f'{span[0]} → {span[1]}'}")
    for key, value in sorted(store.info(engine).items()):
        typer.echo(f"{key + ':':9} {value}")


@app.command()
def upgrade(db: Optional[str] = DB_OPTION):
    """Upgrade an older store's schema in place, keeping its data."""
    engine = _open(db)
    typer.echo(f"Store at schema revision {store.current_revision(engine)}.")


def _or_exit(call, errors=(StoreError,)):
    """The call's result; one red sentence and exit code 1 when it raises one of ``errors``."""
    try:
        return call()
    except errors as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


@app.command()
def backup(path: Path = typer.Argument(..., help="New SQLite file to write the backup to."),
           db: Optional[str] = DB_OPTION):
    """Back the SQLite store up to PATH, consistently, even while the app or an import is running."""
    from civicdesk.store.backup import backup as take

    engine = _open(db)
    written = _or_exit(lambda: take(engine, path))
    typer.echo(f"Backed up to {written} ({written.stat().st_size / 1e6:.1f} MB).")


@app.command()
def restore(path: Path = typer.Argument(..., help="A backup written by `civicdesk backup`."),
            db: Optional[str] = DB_OPTION):
    """Replace the SQLite store's contents with a backup (the current store is saved beside it first)."""
    from civicdesk.store.backup import restore as put_back

    engine = _open(db)
    saved = _or_exit(lambda: put_back(engine, path))
    typer.echo(f"Restored {path}. The store as it was is saved in {saved}.")


@app.command()
def kpi(week: Optional[str] = typer.Argument(None, help="ISO week such as 2023-W07, or a date; default the last complete week."),
        db: Optional[str] = DB_OPTION):
    """Print a week's KPIs by street."""
    from civicdesk.overview import overview

    engine = _open(db)
    try:
        ov = overview(engine, week)
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    from civicdesk.kpi import data_coverage

    cols = ["street", "received", "response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"]
    coverage = data_coverage(engine)
    table = ov.by_street[cols].copy()
    missing = [c for c in cols[2:] if not coverage.measures(c)]
    for col in missing:  # a rate the store cannot measure is "—", not 0%
        table[col] = "—"
    typer.echo(f"{ov.week_start} → {ov.week_end}: {int(ov.this_week['received']):,} tickets")
    typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.1%}"))
    if missing:
        typer.echo(f"— not recorded in this store: {', '.join(missing)} (see docs/loading-data.md)")


def _print_report(rep) -> None:
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
        _print_proposal(rep.mapping, rep.basis, imported=True)


_BASIS = {"synonym": "from the header", "content": "from the contents", "user": "set by --map"}


def _print_proposal(mapping: dict[str, str], basis: dict[str, str], imported: bool) -> None:
    """The mapping civicdesk proposed for headers no profile recognises, and how to check and override it."""
    typer.echo("No mapping profile recognises these headers; civicdesk proposed this mapping:")
    for name, header in mapping.items():
        typer.echo(f"  {name:<18} ← {header}  ({_BASIS.get(basis.get(name, ''), basis.get(name, ''))})")
    done = "The tickets were imported with it. " if imported else ""
    typer.secho(f"Warning: check this mapping. {done}If a field is wrong, import again with "
                "--map FIELD=COLUMN (e.g. --map street=所在区域; --map street= leaves a field out) or choose a "
                "profile with --profile NAME (see `civicdesk profiles`); --dry-run shows a mapping without "
                "writing anything.", fg="yellow", err=True)


def _parse_map(pairs: list[str]) -> dict[str, str | None]:
    """`--map FIELD=COLUMN` options as mapping overrides; exits with a message on a malformed or unknown one."""
    from civicdesk.ingest import FIELDS

    overrides: dict[str, str | None] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        name = name.strip()
        if not sep or name not in FIELDS:
            typer.secho(f"--map takes FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}; got '{pair}'.",
                        fg="red", err=True)
            raise typer.Exit(1)
        overrides[name] = column.strip() or None
    return overrides


def _refuse_oversized(path: Path) -> None:
    """Exit with the importer's message when `path` is over the import limit (`importer.check_size`) or the
    limit itself is malformed."""
    from civicdesk.ingest.importer import check_size

    try:
        check_size(path)
    except ValueError as exc:  # NotATableError (too big) or a malformed CIVICDESK_MAX_IMPORT_MB
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


@app.command("import")
def import_(path: str = typer.Argument(..., help="CSV, XLSX or Open311 JSON export to import."),
            profile: Optional[str] = typer.Option(None, help="Mapping profile (default: matched from the headers)."),
            source: Optional[str] = typer.Option(None, help="Source system name (default: the profile's)."),
            map_: Optional[list[str]] = typer.Option(
                None, "--map", metavar="FIELD=COLUMN",
                help="Map a ticket field to a column, overriding the profile or the proposed mapping; "
                     "FIELD= leaves the field out. Repeat for several fields."),
            dry_run: bool = typer.Option(False, "--dry-run", help="Show the mapping and first rows; write nothing."),
            db: Optional[str] = DB_OPTION):
    """Import an export file; every row is stored or quarantined with its reasons.

    When no profile recognises the headers, a mapping is proposed from header synonyms and the columns'
    contents, printed with a warning; check it, and correct it with --map or --profile.
    """
    from civicdesk import ingest

    if not Path(path).is_file():
        typer.secho(f"No such file: {path}", fg="red", err=True)
        raise typer.Exit(1)
    _refuse_oversized(Path(path))
    overrides = _parse_map(map_ or [])
    try:
        ingest.open_table(path)  # a file that is not a table fails here, before any progress bar
        if dry_run:
            pv = ingest.preview(path, profile=profile, mapping=overrides, source=source, rows=10)
            typer.echo(f"{pv.table.format} file, profile {pv.profile.name} ({pv.profile.label_en}); mapping:")
            for name, header in pv.mapping.items():
                typer.echo(f"  {name:<18} ← {header}")
            typer.echo(pv.mapped.drop(columns=["_sheet", "_row", "batch_id"], errors="ignore").head(10).to_string())
            if pv.proposed:
                _print_proposal(pv.mapping, pv.basis, imported=False)
            return
        engine = _open(db)
        bar = _Bar("导入 importing")
        try:
            rep = ingest.import_file(engine, path, profile=profile, source=source, mapping=overrides,
                                     progress=bar)
        finally:
            bar.close()
    except (ingest.NotATableError, ingest.ProfileError, FileNotFoundError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    _print_report(rep)


@app.command()
def export(path: str = typer.Argument(..., help="Output file: .csv or .xlsx."),
           source: Optional[str] = typer.Option(None, help="Only this source's tickets."),
           redact: bool = typer.Option(False, "--redact", help="Mask residents' words and leave out caller keys "
                                       "(for circulation beyond the centre; not for re-importing)."),
           db: Optional[str] = DB_OPTION):
    """Export the store's tickets in civicdesk's own format (re-importable with the `civicdesk` profile)."""
    from civicdesk.ingest import export_tickets

    engine = _open(db)
    bar = _Bar("导出 exporting")
    try:
        written = export_tickets(engine, path, source=source, progress=bar, redact=redact)
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    finally:
        bar.close()
    typer.echo(f"Wrote {written:,} tickets to {path}.")


@app.command()
def profiles():
    """List the import mapping profiles (shipped and the centre's own)."""
    from civicdesk import config
    from civicdesk.ingest import load_profiles

    for prof in load_profiles().values():
        typer.echo(f"{prof.name:<12} {prof.label_en} / {prof.label}  [{prof.path}]")
    typer.echo(f"Add your own TOML profiles to {config.profiles_dir()}.")


def _add_groups() -> None:
    from civicdesk.cli_briefing import briefing
    from civicdesk.cli_reference import register as register_reference
    from civicdesk.cli_staffing import app as staffing_app
    from civicdesk.cli_users import app as users_app
    app.add_typer(staffing_app, name="staffing")
    app.add_typer(users_app, name="user")
    app.command("briefing")(briefing)
    register_reference(app)


_add_groups()

if __name__ == "__main__":
    app()
