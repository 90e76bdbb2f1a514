"""`civicdesk shapes import FILE.geojson [--name-property P] [--lang zh|en] [--db URL]`: street boundaries.

Prints, in the chosen language, how many streets got a boundary and each feature that could not be used
with the reason. Exit code 1 when the file is missing or not GeoJSON (nothing stored) or when no feature
matched a street.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Street shapes: load the streets' boundaries (GeoJSON) the maps draw.")


def _say(key: str, lang: str, **values) -> str:
    from civicdesk.i18n import t

    return t(key, lang).format(**values)


@app.command("import")
def import_shapes(path: str = typer.Argument(..., metavar="FILE.geojson", help="GeoJSON file: a FeatureCollection "
                                             "of the streets' polygons in WGS84 longitude and latitude."),
                  name_property: Optional[str] = typer.Option(
                      None, "--name-property", help="Feature property holding the street's name or code "
                      "(default: detected, e.g. name, 名称, 街道)."),
                  lang: str = typer.Option("zh", "--lang", help="Language of the report: zh (default) or en."),
                  db: Optional[str] = DB_OPTION):
    """Load street boundaries from a GeoJSON file, matching features to streets by name or code."""
    if lang not in ("zh", "en"):
        typer.secho(f"--lang must be zh or en, not '{lang}'.", fg="red", err=True)
        raise typer.Exit(1)
    file = Path(path)
    if not file.is_file():
        typer.secho(_say("geo_no_file", lang, file=path), fg="red", err=True)
        raise typer.Exit(1)
    from civicdesk.cli.common import open_store
    from civicdesk.geo import GeoJSONError, known_streets, read_geojson, save_boundaries

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        typer.secho(_say("geo_cannot_read", lang, file=file.name, reason=_say("geo_not_json", lang)),
                    fg="red", err=True)
        raise typer.Exit(1) from None
    engine = open_store(db)
    try:
        match = read_geojson(text, known_streets(engine), name_property=name_property)
    except GeoJSONError as exc:
        typer.secho(_say("geo_cannot_read", lang, file=file.name, reason=_say(exc.key, lang)), fg="red", err=True)
        raise typer.Exit(1) from None
    saved = save_boundaries(engine, match.matched, file_name=file.name)
    typer.echo(_say("geo_saved", lang, n=saved) if saved else _say("geo_saved_none", lang))
    if match.name_property:
        typer.echo(_say("geo_property", lang, prop=match.name_property))
    if match.unmatched:
        typer.echo(_say("geo_unmatched", lang, n=len(match.unmatched)))
        for index, name, reason in match.unmatched:
            typer.echo("  " + _say("geo_unmatched_row", lang, index=index + 1, name=name or _say("geo_unnamed", lang),
                                   reason=_say(reason, lang)))
    if not saved:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    """Add the `shapes` group to the `civicdesk` command."""
    root.add_typer(app, name="shapes")
