"""`civicdesk briefing --week 2023-W07 --format docx,pdf,html,xlsx --out reports/`: the weekly briefing, for cron."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION


def briefing(week: Optional[str] = typer.Option(None, "--week", help="ISO week such as 2023-W07, or a date in "
                                                 "it; default the last complete week in the data."),
             formats: str = typer.Option("docx,pdf,html,xlsx", "--format", help="Comma-separated: docx, pdf, html, xlsx."),
             out: Path = typer.Option(Path("reports"), "--out", help="Folder to write into (created if missing)."),
             lang: str = typer.Option("zh", "--lang", help="zh (default) or en."),
             redact: bool = typer.Option(False, "--redact", help="Mask residents' words (example tickets) for "
                                         "circulation beyond the centre."),
             db: Optional[str] = DB_OPTION):
    """Write the weekly briefing (周报) in each format; exits 1 with a message when the week has no data, and
    exits 1 after writing the others when a format fails (each failure named on stderr)."""
    from civicdesk.briefing import FORMATS, build_briefing, render_each
    from civicdesk.cli.common import ProgressBar, open_store
    from civicdesk.overview import default_week

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        typer.secho(f"unknown format(s) {unknown or formats!r}; choose from {', '.join(FORMATS)}", fg="red", err=True)
        raise typer.Exit(2)
    engine = open_store(db)
    chosen = week or default_week(engine)
    if chosen is None:
        typer.secho("the store holds no tickets yet; import them or run `civicdesk demo`", fg="red", err=True)
        raise typer.Exit(1)
    bar = ProgressBar("周报 briefing")
    try:
        result = build_briefing(engine, chosen, lang=lang, progress=bar, redact=redact)
    except ValueError as exc:
        bar.close()
        typer.secho(f"cannot write the briefing: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    bar.close()
    from civicdesk.accounts import audit

    rendered = render_each(result, out, wanted)
    for path in rendered.written.values():
        typer.echo(str(path))
    if rendered.written:
        audit(engine, "export_briefing", result.week, {"formats": list(rendered.written), "lang": lang,
                                                       "folder": str(out), "redact": redact})
    for fmt, exc in rendered.failed.items():
        typer.secho(f"{fmt}: not written: {exc}", fg="red", err=True)
    if rendered.failed:
        raise typer.Exit(1)
