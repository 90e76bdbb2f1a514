"""`civicdesk import|export|profiles`: tickets in and out of the store."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION, ProgressBar, open_store, print_proposal, print_report, refuse_oversized


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
    refuse_oversized(Path(path))
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
                print_proposal(pv.mapping, pv.basis, imported=False)
            return
        engine = open_store(db)
        bar = ProgressBar("导入 importing")
        try:
            rep = ingest.import_file(engine, path, profile=profile, source=source, mapping=overrides,
                                     progress=bar)
        finally:
            bar.close()
    except (ingest.NotATableError, ingest.ProfileError, FileNotFoundError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    print_report(rep)


def export(path: str = typer.Argument(..., help="Output file: .csv or .xlsx."),
           source: Optional[str] = typer.Option(None, help="Only this source's tickets."),
           redact: bool = typer.Option(False, "--redact", help="Mask residents' words and leave out caller keys "
                                       "(for circulation beyond the centre; not for re-importing)."),
           db: Optional[str] = DB_OPTION):
    """Export the store's tickets in civicdesk's own format (re-importable with the `civicdesk` profile)."""
    from civicdesk.ingest import export_tickets

    engine = open_store(db)
    bar = ProgressBar("导出 exporting")
    try:
        written = export_tickets(engine, path, source=source, progress=bar, redact=redact)
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    finally:
        bar.close()
    typer.echo(f"Wrote {written:,} tickets to {path}.")


def profiles():
    """List the import mapping profiles (shipped and the centre's own)."""
    from civicdesk import config
    from civicdesk.ingest import load_profiles

    for prof in load_profiles().values():
        typer.echo(f"{prof.name:<12} {prof.label_en} / {prof.label}  [{prof.path}]")
    typer.echo(f"Add your own TOML profiles to {config.profiles_dir()}.")



def register(app: typer.Typer) -> None:
    """Add the ticket commands to the `civicdesk` command."""
    app.command("import")(import_)
    app.command()(export)
    app.command()(profiles)
