"""`civicdesk import-reference KIND FILE` and `civicdesk template KIND --lang zh|en --out FILE`."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION

#: The kinds, written out so that `civicdesk --help` need not import the library (a test keeps them in step).
KINDS = ("streets", "grids", "roster", "categories", "callbacks")
KIND_HELP = f"What the file holds: {', '.join(KINDS)}."


def import_reference(kind: str = typer.Argument(..., help=KIND_HELP),
                     path: str = typer.Argument(..., help="CSV or XLSX file (headers in Chinese or English)."),
                     source: Optional[str] = typer.Option(None, help="callbacks: match ticket ids within this "
                                                          "source (default: any source)."),
                     db: Optional[str] = DB_OPTION):
    """Import reference data (streets, grids, roster, categories) or callback results; every row is
    upserted or quarantined with its reasons."""
    from civicdesk import ingest
    from civicdesk.cli.common import ProgressBar, open_store, print_report, refuse_oversized
    from civicdesk.ingest.refspec import match_headers

    if kind not in KINDS:
        typer.secho(f"Unknown kind '{kind}'; kinds are {', '.join(KINDS)}.", fg="red", err=True)
        raise typer.Exit(1)
    if not Path(path).is_file():
        typer.secho(f"No such file: {path}", fg="red", err=True)
        raise typer.Exit(1)
    refuse_oversized(Path(path))
    try:
        # a file that is not a table, or lacks a required column, fails here, before any progress bar
        match_headers(kind, ingest.open_table(path).headers)
        engine = open_store(db)
        bar = ProgressBar(f"导入 importing {kind}")
        try:
            rep = ingest.import_reference(engine, kind, path, source=source, progress=bar)
        finally:
            bar.close()
    except (ingest.NotATableError, ingest.ReferenceFileError, FileNotFoundError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    print_report(rep)


def template(kind: str = typer.Argument(..., help=KIND_HELP),
             lang: str = typer.Option("zh", "--lang", help="Headers and example in zh or en."),
             out: Path = typer.Option(..., "--out", help="File to write: .csv or .xlsx.")):
    """Write an import template (header row and one example row) for KIND."""
    from civicdesk.ingest.templates import FORMATS, template as build

    fmt = out.suffix.lower().lstrip(".")
    problems = [f"Unknown kind '{kind}'; kinds are {', '.join(KINDS)}." if kind not in KINDS else "",
                f"--lang must be zh or en, not '{lang}'." if lang not in ("zh", "en") else "",
                f"--out must end in .csv or .xlsx, not '{out.name}'." if fmt not in FORMATS else ""]
    if any(problems):
        typer.secho(" ".join(p for p in problems if p), fg="red", err=True)
        raise typer.Exit(1)
    out.write_bytes(build(kind, lang, fmt))
    typer.echo(f"Wrote the {kind} template ({lang}, {fmt}) to {out}.")



def register(app: typer.Typer) -> None:
    """Add `import-reference` and `template` to the `civicdesk` command."""
    app.command("import-reference")(import_reference)
    app.command("template")(template)
