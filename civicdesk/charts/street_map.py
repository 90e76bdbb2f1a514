"""The district map (一张图): streets coloured by a week's figure, and repeated places as points.

The shapes are the store's own data (`civicdesk.geo.Shapes`: street polygons in WGS84 lon/lat), drawn by
Vega-Lite's geoshape in an equal-area conic projection with China's standard parallels (25°N, 47°N), its
central meridian on the district: no web tiles, no basemap, nothing fetched. The same spec serves the app
(click a street to filter the page), the notebooks and the briefing (drawn offline by vl-convert).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from civicdesk.charts import CJK_FONT, PALETTE, alt
from civicdesk.i18n import kpi_label, street_label, t
from civicdesk.kpi import KPI_LABELS, TARGETS

#: What the map can colour the streets by: counts, the load on households, and the four rates.
MAP_MEASURES = ("received", "per_1000_households", "response_rate", "closure_rate", "on_time_rate",
                "satisfaction_rate")
#: The point selection a click on a street makes (Streamlit returns it under this name).
PICK = "street_pick"
#: Fill of a street without a value this week, and of every street on a map without a measure.
NO_VALUE, PLAIN = "#e4e4e4", "#e8edf3"
#: China's standard parallels for equal-area conic maps (GB/T: 25°N and 47°N).
PARALLELS = (25, 47)


def measure_label(measure: str, lang: str = "zh") -> str:
    """The figure's name as a map legend and selector show it."""
    return kpi_label(measure, lang) if measure in KPI_LABELS else t(f"map_{measure}", lang)


def street_values(by_street: pd.DataFrame, streets: pd.DataFrame) -> pd.DataFrame:
    """One row per street that has a shape: received, tickets per 1,000 households and the rates.

    Args:
        by_street: the week's figures by street (`Overview.by_street`: street, received and the KPI columns).
        streets: the shapes' streets (`Shapes.streets`: street, households, …).

    Returns:
        DataFrame[street, households, received, per_1000_households, the KPI columns]: a street without tickets
        this week has received 0 and no rates (NaN); per_1000_households is NaN where households are unknown.
    """
    rates = [c for c in MAP_MEASURES if c in KPI_LABELS]
    figures = by_street.reindex(columns=["street", "received", *rates])
    out = streets[["street", "households"]].merge(figures, on="street", how="left")
    out["received"] = out["received"].fillna(0).astype("int64")
    households = pd.to_numeric(out["households"], errors="coerce")
    out["per_1000_households"] = (out["received"] / households * 1000).where(households > 0)
    return out[["street", "households", "received", "per_1000_households", *rates]]


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Signed planar area of a lon/lat ring (positive: counter-clockwise)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def _wound(ring: list, clockwise: bool) -> list:
    return ring[::-1] if (_ring_area(ring) < 0) != clockwise else ring


def d3_winding(geometry: dict) -> dict:
    """`geometry` with its rings wound as d3-geo (Vega's renderer) reads them: outer rings clockwise, holes
    counter-clockwise. GeoJSON files (RFC 7946) wind the other way, which d3 takes for "the whole globe
    but this polygon" and fills the map with one colour."""
    def polygon(rings):
        return [_wound(list(r), clockwise=i == 0) for i, r in enumerate(rings)]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    raise ValueError(f"a street boundary must be a Polygon or MultiPolygon, not {geometry['type']}")


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _features(streets: pd.DataFrame, values: pd.DataFrame, measure: str, lang: str,
              english: dict[str, str] | None, selected: Sequence[str]) -> list[dict]:
    """GeoJSON features with the figures as top-level fields (Vega-Lite reads `datum.value`; d3 ignores them)."""
    figures = values.set_index("street")
    features = []
    for street, geometry in zip(streets["street"], streets["geometry"]):
        row = figures.loc[street] if street in figures.index else None
        fields = {c: (None if row is None else _number(row[c])) for c in values.columns if c != "street"}
        features.append({"type": "Feature", "geometry": d3_winding(geometry), "properties": {"street": street},
                         "street": street, "label": street_label(street, lang, english),
                         "value": fields.get(measure), "picked": street in selected, **fields})
    return features


#: A rate's classes around its target: 5 points or more below, below, met, 3 points or more above.
RATE_STEPS = (-0.05, 0.0, 0.03)
RATE_COLOURS = ["#c0392b", "#f0a35e", "#a6d96a", "#1a9641"]
#: Classes of a count (equal steps between the smallest and the largest street): swatches a leader reads at a
#: glance, drawn the same in the app, Word, PDF and HTML.
COUNT_CLASSES = 5


def _colour(measure: str, lang: str, values: pd.Series) -> alt.Color:
    """Darker for more tickets; for a rate, red below its target and green at or above it, in classes."""
    title = measure_label(measure, lang)
    if measure in TARGETS:
        domain = [round(TARGETS[measure] + step, 4) for step in RATE_STEPS]
        scale = alt.Scale(type="threshold", domain=domain, range=RATE_COLOURS)
        return alt.Color("value:Q", title=title, scale=scale, legend=alt.Legend(format=".0%", orient="right"))
    fmt = ",.1f" if measure == "per_1000_households" else ",d"
    scale = alt.Scale(type="quantize", scheme={"name": "oranges", "count": COUNT_CLASSES}, nice=True, zero=False)
    return alt.Color("value:Q", title=title, scale=scale, legend=alt.Legend(format=fmt, orient="right"))


def _tooltips(values: pd.DataFrame, lang: str) -> list[alt.Tooltip]:
    tips = [alt.Tooltip("label:N", title=t("street", lang)),
            alt.Tooltip("received:Q", title=t("received", lang), format=",")]
    if values["per_1000_households"].notna().any():
        tips.append(alt.Tooltip("per_1000_households:Q", title=measure_label("per_1000_households", lang),
                                format=",.1f"))
    tips += [alt.Tooltip(f"{c}:Q", title=kpi_label(c, lang), format=".1%") for c in MAP_MEASURES
             if c in KPI_LABELS and c in values and values[c].notna().any()]
    return tips


def street_map(streets: pd.DataFrame, values: pd.DataFrame, measure: str | None = "received", lang: str = "zh",
               english: dict[str, str] | None = None, selected: Sequence[str] = (),
               points: pd.DataFrame | None = None, clickable: bool = False, width: int | str = "container",
               height: int = 420, labels: bool = True, title: str | None = None) -> alt.LayerChart:
    """The district's streets coloured by `measure`, optionally with points on top.

    Args:
        streets: the shapes' streets (`civicdesk.geo.Shapes.streets`: street, geometry, lon, lat).
        values: `street_values(...)`: one row per street with every measure.
        measure: one of MAP_MEASURES; None draws every street in one plain colour (a map for points).
        english: Chinese → English street names (the streets table), for lang "en".
        selected: streets drawn with a dark outline (the page's street filter); the others fade.
        points: places to mark (`problem_points`: street, label, lon, lat, contacts), e.g. key problems'
            repeated places.
        clickable: add the click selection `PICK` (fields: street) that the app turns into a street filter.
        labels: write the street names at their representative points.
    """
    if measure is not None and measure not in MAP_MEASURES:
        raise ValueError(f"measure must be one of {MAP_MEASURES} or None, not {measure!r}")
    data = alt.Data(values=_features(streets, values, measure, lang, english, selected))
    faded = bool(selected)
    colour = (alt.value(PLAIN) if measure is None else
              alt.condition("datum.value === null", alt.value(NO_VALUE), _colour(measure, lang, values[measure])))
    base = alt.Chart(data).mark_geoshape(stroke="white", strokeWidth=1.2).encode(
        color=colour,
        opacity=(alt.condition("datum.picked", alt.value(1.0), alt.value(0.45)) if faded else alt.value(1.0)),
        tooltip=_tooltips(values, lang) if measure else [alt.Tooltip("label:N", title=t("street", lang))])
    if clickable:
        base = base.add_params(alt.selection_point(name=PICK, fields=["street"], on="click", clear="dblclick"))
    layers = [base]
    if faded:
        layers.append(alt.Chart(alt.Data(values=[f for f in data.values if f["picked"]])).mark_geoshape(
            fill=None, stroke="#222222", strokeWidth=2.5))
    if labels:
        names = pd.DataFrame({"label": [_short(street_label(s, lang, english)) for s in streets["street"]],
                              "lon": streets["lon"], "lat": streets["lat"]})
        text = alt.Chart(names).encode(longitude="lon:Q", latitude="lat:Q", text="label:N")
        # a white halo first, then the name: readable on the darkest and the lightest street
        layers += [text.mark_text(fontSize=10, font=CJK_FONT, stroke="white", strokeWidth=3, strokeOpacity=0.85,
                                  strokeJoin="round"),
                   text.mark_text(fontSize=10, font=CJK_FONT, color="#222222")]
    if points is not None and len(points):
        layers.append(_points_layer(points, lang))
    lon0 = float(pd.to_numeric(streets["lon"]).mean())
    chart = alt.layer(*layers).project(type="conicEqualArea", parallels=list(PARALLELS), rotate=[-lon0, 0, 0])
    chart = chart.properties(width=width, height=height, title=title or "")
    return (chart.configure_legend(labelFont=CJK_FONT, titleFont=CJK_FONT)
            .configure_title(font=CJK_FONT, fontSize=15, anchor="start").configure_view(strokeWidth=0))


#: Words an English street name ends with that the map leaves out of its labels (the tooltip keeps them): the
#: map has room for "Mingshui", not "Mingshui Subdistrict".
_LABEL_SUFFIXES = (" Subdistrict", " Sub-district", " Street", " Town", " Township")


def _short(label: str) -> str:
    for suffix in _LABEL_SUFFIXES:
        if label.endswith(suffix) and len(label) > len(suffix):
            return label[: -len(suffix)]
    return label


def _points_layer(points: pd.DataFrame, lang: str) -> alt.Chart:
    """Circles sized by contacts at each point (points: label, street, lon, lat, contacts)."""
    data = points.assign(street_name=points["street"].map(lambda s: street_label(s, lang)))
    return alt.Chart(data).mark_circle(color=PALETTE[3], opacity=0.8, stroke="white", strokeWidth=0.8).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("contacts:Q", title=t("kp_contacts", lang), scale=alt.Scale(range=[40, 400]),
                      legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("label:N", title=t("kp_entry", lang)), alt.Tooltip("street_name:N", title=t("street", lang)),
                 alt.Tooltip("contacts:Q", title=t("kp_contacts", lang))])


def picked_streets(selection) -> list[str]:
    """The streets a click selected, from Streamlit's chart selection state (`{"selection": {PICK: [...]}}`)."""
    if not selection:
        return []
    chosen = (selection.get("selection") or {}).get(PICK) or []
    return [str(item["street"]) for item in chosen if isinstance(item, dict) and item.get("street")]


def problem_points(entries: pd.DataFrame, shapes) -> pd.DataFrame:
    """Key problems' place entries as points: each at its own point, else its grid's or street's centre.

    Args:
        entries: `KeyProblems.entries` (kind, label, street, grid_id, site, contacts).
        shapes: `civicdesk.geo.Shapes`.

    Returns:
        DataFrame[label, street, lon, lat, contacts], one row per place entry that could be located.
    """
    places = entries[entries["kind"] == "place"]
    rows = []
    for label, street, grid, site, contacts in zip(places["label"], places["street"], places["grid_id"],
                                                   places["site"], places["contacts"]):
        point = shapes.locate(street, None if pd.isna(grid) else grid, None if pd.isna(site) else site)
        if point is not None:
            rows.append((label, street, point[0], point[1], int(contacts)))
    return pd.DataFrame(rows, columns=["label", "street", "lon", "lat", "contacts"])
