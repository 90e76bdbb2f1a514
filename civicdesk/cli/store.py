"""`civicdesk demo|info|upgrade|backup|restore|kpi`: build the demo district, look after the store, print KPIs."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION, LazyModule, ProgressBar, open_store, or_exit, table_text, TextParameters

store = LazyModule("civicdesk.store")  # imported when a command first uses it: `civicdesk --help` needs no store


def build_demo(engine, seed: int = 0, scale: float = 1.0, start: str = "2021-01-01", end: str = "2023-12-31") -> int:
    """Generate the demo district and load it into `engine`, block by block, with a progress bar.

    A scale above one block (`civicdesk.synth.city.BLOCK_SCALE`) is drawn and written one block at a
    time in one transaction, so memory stays that of one block; returns tickets loaded."""
    from civicdesk.synth.city import block_scales, city_blocks

    blocks = len(block_scales(scale))
    bar = ProgressBar("生成并写入演示区县 generating and loading")
    state = {"generated": 0.0}

    def generating(fraction: float, message: str) -> None:
        state["generated"] = fraction
        bar(0.9 * fraction, message)

    def loading(fraction: float, message: str) -> None:
        if fraction >= 0.85:  # the rollup, after the last block
            bar(0.9 + 0.1 * (fraction - 0.85) / 0.15, message)
        else:
            bar(0.9 * state["generated"], message)

    district_blocks = city_blocks(seed=seed, start=start, end=end, scale=scale, progress=generating)
    loaded = store.load_districts(engine, district_blocks, progress=loading)
    bar(1.0, f"{loaded:,} tickets in {blocks} block{'s' if blocks > 1 else ''}")
    bar.close()
    return loaded


def demo(scale: float = typer.Option(1.0, help="Volume scale (1.0 ≈ Zhangqiu: ~10,000 tickets a week)."),
         seed: int = typer.Option(0, help="Random seed; the same seed gives the same district."),
         start: str = typer.Option("2021-01-01", help="First day of ticket history."),
         end: str = typer.Option("2023-12-31", help="Last day of ticket history (the data snapshot)."),
         db: Optional[str] = DB_OPTION,
         if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the store already holds tickets.")):
    """Build the demo district (a Zhangqiu-like district) into the store."""
    engine = open_store(db)
    if if_empty and store.data_span(engine) is not None:
        typer.echo("The store already holds tickets; leaving it as it is.")
        return
    began = time.perf_counter()
    loaded = build_demo(engine, seed=seed, scale=scale, start=start, end=end)
    typer.echo(f"Loaded {loaded:,} tickets into {engine.url.render_as_string(hide_password=True)} "
               f"in {time.perf_counter() - began:.0f} s.")


def info(db: Optional[str] = DB_OPTION):
    """Show the store's location, schema revision and data span."""
    engine = open_store(db)
    span = store.data_span(engine)
    typer.echo(f"store:    {engine.url.render_as_string(hide_password=True)}")
    typer.echo(f"schema:   {store.current_revision(engine)} (this civicdesk knows up to {store.head_revision()})")
    typer.echo(f"tickets:  {'none yet' if span is None else f'{span[0]} → {span[1]}'}")
    for key, value in sorted(store.info(engine).items()):
        typer.echo(f"{key + ':':9} {value}")
    if store.info(engine).get("caller_rekey_pending"):
        typer.secho("Some caller keys may rest on a generic name (张先生, 匿名 …): run `civicdesk rekey-callers` "
                    "where the caller key file is readable.", fg="yellow")


def upgrade(db: Optional[str] = DB_OPTION):
    """Upgrade an older store's schema in place, keeping its data."""
    engine = open_store(db)
    typer.echo(f"Store at schema revision {store.current_revision(engine)}.")


def backup(path: Path = typer.Argument(..., help="New SQLite file to write the backup to."),
           db: Optional[str] = DB_OPTION):
    """Back the SQLite store up to PATH, consistently, even while the app or an import is running."""
    from civicdesk.store.backup import backup as take

    engine = open_store(db)
    written = or_exit(lambda: take(engine, path))
    typer.echo(f"Backed up to {written} ({written.stat().st_size / 1e6:.1f} MB).")


def restore(path: Path = typer.Argument(..., help="A backup written by `civicdesk backup`."),
            db: Optional[str] = DB_OPTION):
    """Replace the SQLite store's contents with a backup (the current store is saved beside it first)."""
    from civicdesk.store.backup import restore as put_back

    engine = open_store(db)
    saved = or_exit(lambda: put_back(engine, path))
    typer.echo(f"Restored {path}. The store as it was is saved in {saved}.")


def kpi(week: Optional[str] = typer.Argument(None, help="ISO week such as 2023-W07, or a date; default the last complete week."),
        db: Optional[str] = DB_OPTION):
    """Print a week's KPIs by street."""
    from civicdesk.i18n import street_label
    from civicdesk.kpi import data_coverage, street_week

    engine = open_store(db)
    try:  # the Overview's street table, read without pandas (a quick start)
        week_kpis = street_week(engine, week)
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    cols = ["street", "received", "response_rate", "closure_rate", "on_time_rate", "satisfaction_rate"]
    coverage = data_coverage(engine)
    streets = week_kpis.by_street
    table = {"street": [street_label(name) for name in streets["street"]],  # "" is 未注明, as in the app
             **{col: streets[col].tolist() for col in cols[1:]}}
    missing = [c for c in cols[2:] if not coverage.measures(c)]
    for col in missing:  # a rate the store cannot measure is "—", not 0%
        table[col] = ["—"] * len(table[col])
    typer.echo(f"{week_kpis.week_start} → {week_kpis.week_end}: {week_kpis.received:,} tickets")
    typer.echo(table_text(table, float_format=lambda v: f"{v:.1%}"))
    if missing:
        typer.echo(f"— not recorded in this store: {', '.join(missing)} (see docs/loading-data.md)")


def rekey_callers(db: Optional[str] = DB_OPTION):
    """Clear caller keys that rest on a generic name alone (张先生, 匿名, 市民 …) in a store imported before
    such names were recognised; the upgrade does it by itself when it can read the caller key file."""
    from civicdesk.ingest.callers import rekey_generic

    engine = open_store(db)
    changed = rekey_generic(engine)
    typer.echo(f"{changed:,} tickets no longer share a caller key built from a generic name.")


def register(app: typer.Typer) -> None:
    """Add the store's commands to the `civicdesk` command."""
    for command in (demo, info, upgrade, backup, restore):
        app.command()(command)
    app.command(cls=TextParameters)(kpi)  # text parameters only: started without pydantic
    app.command("rekey-callers")(rekey_callers)
