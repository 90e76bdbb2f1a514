"""The sidebar every view shares: language, as-of week, street and category filters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from civicdesk import config
from civicdesk.i18n import LANGS, category_label, street_label, t
from civicdesk.periods import iso_week_name, last_complete_week

import cached


@dataclass(frozen=True)
class Filters:
    """What the sidebar selected."""

    lang: str
    week: date | None
    streets: tuple[str, ...]
    categories: tuple[str, ...]


def language() -> str:
    """The language switch (Chinese by default)."""
    return st.sidebar.radio(t("language"), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang")


def filters(engine, lang: str) -> Filters:
    """Draw the week, street and category selectors; weeks come from the data, never the clock."""
    url = config.db_url()
    weeks, default = week_choices(engine, url)
    if default is None:
        return Filters(lang, None, (), ())
    street_values = cached.dimension_values(engine, url, "street")
    category_values = cached.dimension_values(engine, url, "category")
    moved = _page_changed()  # another view drew these widgets last: theirs were dropped with it
    _restore("week", lambda w: w in weeks, moved)
    if st.session_state.get("week") not in weeks:  # the default, not the newest week when that is a straggler
        st.session_state["week"] = default
    _restore("streets", lambda chosen: set(chosen) <= set(street_values), moved)
    _restore("categories", lambda chosen: set(chosen) <= set(category_values), moved)
    week = st.sidebar.selectbox(t("as_of_week", lang), weeks, key="week",
                                format_func=_week_option)
    english = cached.english_names(engine, url)
    streets = st.sidebar.multiselect(t("streets", lang), street_values,
                                     key="streets", placeholder=t("all", lang),
                                     format_func=lambda s: street_label(s, lang, english))
    categories = st.sidebar.multiselect(t("categories", lang), category_values,
                                        key="categories", placeholder=t("all", lang),
                                        format_func=lambda c: category_label(c, lang, english))
    st.session_state[KEPT] = {"week": week, "streets": list(streets), "categories": list(categories)}
    return Filters(lang, week, tuple(streets), tuple(categories))


def week_choices(engine, url: str, limit: int | None = None) -> tuple[list, object]:
    """(Mondays to choose from, newest first, the default among them): every week from the last complete
    one back to the data's first, and the default week (`civicdesk.overview.default_week`), which skips
    straggler weeks at the end. ([], None) for an empty store."""
    default = cached.last_week(engine, url)
    if default is None:
        return [], None
    first, last = cached.data_span(engine, url)
    monday = max(last_complete_week(last), default)
    if limit is not None and (monday - default).days // 7 >= limit:
        monday = default
    weeks = []
    while monday >= first - timedelta(days=6) and (limit is None or len(weeks) < limit):
        weeks.append(monday)
        monday -= timedelta(days=7)
    return weeks, default


#: The filters' last values, kept outside the widgets' own state: Streamlit forgets a widget's value when a
#: page without it runs, so without this the week chosen on the Overview would reset after visiting Staffing.
KEPT = "_kept_filters"


def _week_option(monday) -> str:
    """"2023-W07 · 02/13–02/19": the same in both languages (the browser keeps a keyed select box's option
    texts when only the language changes) and short enough for the sidebar."""
    return f"{iso_week_name(monday)} · {monday:%m/%d}–{monday + timedelta(days=6):%m/%d}"


#: The view whose run last drew the filters (its script's hash).
KEPT_VIEW = "_kept_filters_view"


def _page_changed() -> bool:
    """Whether this run is another view's than the one that last drew the filters. Streamlit ties a widget's
    value to the view that drew it, so the Compare view opened from the Overview would start from "all
    streets" though the Overview (or a click on its map) had chosen one."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    view = ctx.page_script_hash if ctx is not None else None
    changed = st.session_state.get(KEPT_VIEW) not in (None, view)
    st.session_state[KEPT_VIEW] = view
    return changed


def _restore(key: str, still_valid, moved: bool = False) -> None:
    """Put back the kept value of the filter `key` when the widget lost it (a view without the filters ran, or,
    with `moved`, another view drew them), and it still applies to the store."""
    kept = st.session_state.get(KEPT, {})
    if (moved or key not in st.session_state) and key in kept and still_valid(kept[key]):
        st.session_state[key] = kept[key]


def page_start(title_key: str, intro_key: str | None = None):
    """A view's opening: title and intro in the chosen language, and the store's span.

    Returns:
        (engine, lang, (first_day, last_day)), or None when the store holds no tickets (after saying so).
    """
    engine = cached.current_engine()
    lang = st.session_state.get("lang", "zh")
    st.title(t(title_key, lang))
    if intro_key:
        st.caption(t(intro_key, lang))
    span = cached.data_span(engine, config.db_url())
    if span is None:
        st.info(t("empty_store", lang))
        return None
    return engine, lang, span
