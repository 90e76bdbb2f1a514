"""The Overview's district map (一张图): the week's figure by street; a click on a street filters the page.

`map_model` builds, once per week, filters and language (inside the Overview's page model), one spec for each
figure the store can show; `render_map` draws the chosen one. The click goes through the sidebar's own street
filter (session key "streets"), set in the chart's callback before the next run draws the sidebar.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from civicdesk.charts.street_map import MAP_MEASURES, PICK, measure_label, picked_streets, street_values
from civicdesk.i18n import t
from civicdesk.kpi import KPI_LABELS, Coverage
from civicdesk.overview import Overview

import cached

#: Session keys: the chart (its click selection) and the figure chosen for it.
MAP_KEY, MEASURE_KEY = "ov_map", "ov_map_measure"


@dataclass(frozen=True, eq=False)
class MapModel:
    """The Overview's map: a spec per figure (MAP_MEASURES the store can show, in that order), or only the note
    saying how to load boundaries (`specs` empty)."""

    specs: dict[str, dict]
    note: str | None = None


def map_model(engine, url: str, district: Overview, lang: str, english: dict[str, str],
              coverage: Coverage, selected: tuple[str, ...]) -> MapModel | None:
    """The map of `district` (the week's Overview of every street, with the page's category filter), the page's
    street filter outlined; None when no ticket names a street (the page says so already)."""
    if not coverage.streets:
        return None
    shapes = cached.street_shapes(engine, url)
    if shapes.empty:
        return MapModel({}, t("map_no_shapes", lang))
    values = street_values(district.by_street, shapes.streets)
    shown = [m for m in MAP_MEASURES if m not in KPI_LABELS or coverage.measures(m)]
    if values["per_1000_households"].isna().all():
        shown.remove("per_1000_households")
    return MapModel({m: cached.chart_spec("street_map.street_map", shapes.streets, values, m, lang, english,
                                          selected=selected, clickable=True, height=460,
                                          title=t("map_title", lang).format(measure=measure_label(m, lang)))
                     for m in shown})


def _filter_to_click() -> None:
    """The chart's callback: the clicked street becomes the page's street filter (a double click clears it)."""
    st.session_state["streets"] = picked_streets(st.session_state.get(MAP_KEY))


def render_map(model: MapModel | None, lang: str) -> None:
    """The figure selector and the map, or the note on loading boundaries."""
    if model is None:
        return
    if not model.specs:
        st.caption(model.note)
        return
    measures = list(model.specs)
    key = f"{MEASURE_KEY}_{lang}"  # keyed per language: Streamlit keeps a keyed widget's old labels otherwise
    if key in st.session_state and st.session_state[key] not in measures:  # the store changed under the session
        del st.session_state[key]
    measure = st.radio(t("map_measure", lang), measures, key=key, horizontal=True,
                       format_func=lambda m: measure_label(m, lang))
    st.vega_lite_chart(spec=model.specs[measure], width="stretch", key=MAP_KEY, on_select=_filter_to_click,
                       selection_mode=PICK)
    st.caption(t("map_click_hint", lang))
