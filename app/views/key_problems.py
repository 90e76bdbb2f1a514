"""Key problems: the key-problem list (重点问题清单) with each entry's contact history, and the week's hot topics.

controls → `civicdesk.drivers.key_problems` / `hot_topics` (via cached) → render.
"""
from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import streamlit as st

from civicdesk import codes, config
from civicdesk.charts import satisfaction as sc
from civicdesk.drivers import DISTRICT, DataRangeError
from civicdesk.excel import to_excel_bytes
from civicdesk.i18n import category_label, street_label, t
from civicdesk.periods import iso_week_name, week_label

import cached
import sidebar

LOG = logging.getLogger(__name__)
LIST_COLUMNS = {"rank": "kp_rank", "kind": "kp_kind", "label": "kp_entry", "street": "street",
                "category": "category", "contacts": "kp_contacts", "first_contact": "kp_first",
                "last_contact": "kp_last", "last_unsatisfied": "kp_last_unsat", "open_tickets": "kp_open",
                "listed_since": "kp_listed", "priority": "kp_priority"}
HISTORY_COLUMNS = {"ticket_id": "kp_tickets", "created_at": "date", "channel": "channel", "category": "category",
                   "subcategory": "category", "status": "kp_status", "callback_result": "kp_callback",
                   "description": "kp_description", "joined_list": "kp_on_list"}


def entry_labels(entries: pd.DataFrame, lang: str) -> pd.Series:
    """Entries' labels in the user's language: a caller is "来电人#n" / "Caller #n" (never the caller's key);
    a place's label is its site and subcategory (data)."""
    number = entries["entry_id"].astype(str).str[1:].map(lambda n: int(n) if n.isdigit() else n)
    caller = [t("pt_caller", lang).format(n=n) for n in number]
    return pd.Series([c if k == "caller" else label for c, k, label in zip(caller, entries["kind"], entries["label"])],
                     index=entries.index, dtype=object)


def in_language(kp, lang: str):
    """The key-problem list with its entries' labels in the user's language (entries and history)."""
    from dataclasses import replace

    labels = dict(zip(kp.entries["entry_id"], entry_labels(kp.entries, lang)))
    return replace(kp, entries=kp.entries.assign(label=kp.entries["entry_id"].map(labels)),
                   history=kp.history.assign(label=kp.history["entry_id"].map(labels).fillna(kp.history["label"])))


def list_controls(lang: str, span) -> tuple[date, int, int]:
    a, b, c = st.columns(3)
    as_of = a.date_input(t("kp_as_of", lang), value=span[1], max_value=span[1], key="kp_as_of")
    minimum = b.number_input(t("kp_min_contacts", lang), 2, 20, 3, key="kp_min")
    shown = c.select_slider(t("kp_show", lang), [10, 20, 50, 100], value=20, key="kp_shown")
    return as_of, int(minimum), int(shown)


def display_list(entries: pd.DataFrame, lang: str, english: dict[str, str]) -> pd.DataFrame:
    table = entries[list(LIST_COLUMNS)].copy()
    table["kind"] = table["kind"].map(lambda k: t(f"kp_kind_{k}", lang))
    table["street"] = table["street"].map(lambda s: street_label(s, lang, english))
    table["category"] = table["category"].map(lambda c: category_label(c, lang, english))
    for col in ("first_contact", "last_contact", "listed_since"):
        table[col] = pd.to_datetime(table[col]).dt.strftime("%Y-%m-%d")
    table["last_unsatisfied"] = table["last_unsatisfied"].map({True: "是" if lang == "zh" else "yes",
                                                               False: ""})
    return table.rename(columns={k: t(v, lang) for k, v in LIST_COLUMNS.items()})


def display_history(history: pd.DataFrame, lang: str, english: dict[str, str] | None = None) -> pd.DataFrame:
    table = history[[c for c in HISTORY_COLUMNS if c in history.columns]].copy()
    table["created_at"] = pd.to_datetime(table["created_at"]).dt.strftime("%Y-%m-%d %H:%M")
    for col in ("ticket_id", "subcategory"):  # an export without them: a dash, not the word None
        if col in table:
            table[col] = table[col].astype(object).where(table[col].notna(), "—")
    table["channel"] = table["channel"].map(lambda c: codes.label(codes.CHANNELS, c, lang))
    table["category"] = table["category"].map(lambda c: category_label(c, lang, english))
    table["status"] = table["status"].map(lambda c: codes.label(codes.STATUSES, c, lang))
    table["callback_result"] = table["callback_result"].map(lambda c: codes.label(codes.CALLBACK_RESULTS, c, lang)
                                                            if isinstance(c, str) else "")
    table["joined_list"] = table["joined_list"].map({True: "★", False: ""})
    names = {k: t(v, lang) for k, v in HISTORY_COLUMNS.items()}
    names["subcategory"] = "二级分类" if lang == "zh" else "Subcategory"
    return table.rename(columns=names)


def list_excel(kp, lang: str, english: dict[str, str]) -> bytes:
    history = display_history(kp.history.assign(label=kp.history["label"]), lang, english).assign(
        **{t("kp_entry", lang): kp.history["label"].to_numpy()})
    return to_excel_bytes({t("kp_list", lang): display_list(kp.entries, lang, english),
                           t("kp_history", lang): history})


def render_list(engine, lang: str, span) -> None:
    st.subheader(t("kp_list", lang))
    as_of, minimum, shown = list_controls(lang, span)
    url = config.db_url()
    try:
        kp = in_language(cached.key_problems(engine, url, as_of, minimum), lang)
    except ValueError as exc:  # the library's reason is English: log it, say it in the user's language
        LOG.warning("no key-problem list as of %s: %s", as_of, exc)
        st.warning(refusal(exc, lang))
        return
    entries = kp.entries
    if entries.empty:
        st.info(t("kp_none", lang))
        return
    english = cached.english_names(engine, url)
    kinds = entries["kind"].value_counts()
    st.markdown(t("kp_count_line", lang).format(day=as_of, n=len(entries), c=int(kinds.get("caller", 0)),
                                                 p=int(kinds.get("place", 0)),
                                                 u=int(entries["last_unsatisfied"].sum())))
    st.dataframe(display_list(entries.head(shown), lang, english), hide_index=True, width="stretch")
    st.download_button(t("kp_download", lang), list_excel(kp, lang, english), key="kp_dl",
                       file_name=f"key-problems-{as_of}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    render_place_map(engine, url, entries.head(shown), lang, english)  # the places of the rows shown
    pick = st.selectbox(t("kp_pick", lang), entries.head(shown)["entry_id"].tolist(), key="kp_pick",
                        format_func=lambda e: f"{entries.set_index('entry_id').loc[e, 'rank']}. "
                                              f"{entries.set_index('entry_id').loc[e, 'label']}")
    history = kp.history[kp.history["entry_id"] == pick]
    st.altair_chart(sc.contact_history_chart(history, lang), width="stretch")
    st.dataframe(display_history(history, lang, english), hide_index=True, width="stretch")


def render_place_map(engine, url: str, entries: pd.DataFrame, lang: str, english: dict[str, str]) -> None:
    """The repeated places among `entries` (the rows the list shows) as points on the district map (omitted,
    with a note, without shapes)."""
    from civicdesk.charts.street_map import problem_points, street_values

    if not cached.coverage(engine, url).streets:  # no ticket names a street: no map to draw, nothing to load
        return
    shapes = cached.street_shapes(engine, url)
    if shapes.empty:
        st.caption(t("map_no_shapes", lang))
        return
    points = problem_points(entries, shapes)
    if points.empty:
        st.caption(t("map_no_points", lang))
        return
    values = street_values(pd.DataFrame({"street": []}), shapes.streets)
    st.vega_lite_chart(spec=cached.chart_spec("street_map.street_map", shapes.streets, values, None, lang, english,
                                              points=points, height=440, title=t("map_points_title", lang)),
                       width="stretch")
    st.caption(t("map_points_note", lang))


def refusal(exc: ValueError, lang: str) -> str:
    """A library refusal in the user's language: a `DataRangeError` says what the data do not cover; any
    other error is a failure (its English text is only logged)."""
    if isinstance(exc, DataRangeError):
        return t(exc.key, lang).format(**exc.params)
    return t("pt_failed", lang)


def hot_term_label(row, lang: str) -> str:
    """An expander's title: the term, this week's count against the weeks before, and related terms."""
    text = t("pt_hot_term", lang).format(term=row["term"], count=int(row["count"]), mean=row["baseline_mean"])
    related = t("list_sep", lang).join(row["related"][:5])
    return text + (f" · {t('kp_related', lang)}{'：' if lang == 'zh' else ': '}{related}" if related else "")


def render_hot(engine, lang: str) -> None:
    st.subheader(t("kp_hot", lang))
    weeks, _ = sidebar.week_choices(engine, config.db_url(), limit=12)
    # widgets whose labels change with the language are keyed per language (Streamlit keeps a keyed
    # widget's old labels otherwise)
    monday = st.selectbox(t("kp_week", lang), weeks, key=f"kp_week_{lang}", format_func=lambda m: week_label(m, lang))
    try:
        hot = cached.hot_topics(engine, config.db_url(), iso_week_name(monday))
    except ValueError as exc:
        LOG.info("no hot topics: %s", exc)
        st.info(refusal(exc, lang))
        return
    st.markdown(t("kp_week_line", lang).format(week=week_label(monday, lang), n=hot.tickets))
    levels = {"district": t("kp_level_district", lang), "street": t("street", lang),
              "category": t("category", lang)}
    found = [k for k in levels if (hot.terms["level"] == k).any()]
    level = st.radio(t("kp_level", lang), list(levels), format_func=levels.get, horizontal=True, key=f"kp_level_{lang}",
                     index=list(levels).index(found[0]) if found else 0)
    terms = hot.terms[hot.terms["level"] == level]
    if terms.empty:
        st.info(t("kp_no_hot", lang))
        return
    groups = terms.groupby("group", sort=False)["score"].max().sort_values(ascending=False).index.tolist()
    english = cached.english_names(engine, config.db_url())
    shown = {"district": lambda g: t("kp_level_district", lang), "category": lambda g: category_label(g, lang, english),
             "street": lambda g: street_label(g, lang, english)}[level]
    group = DISTRICT if level == "district" else st.selectbox(levels[level], groups, format_func=shown,
                                                              key=f"kp_group_{level}_{lang}")
    top = hot.top(group, level)
    st.altair_chart(sc.hot_terms_chart(top, f"{shown(group)} · {t('kp_hot', lang)}", lang), width="stretch")
    for _, row in top.iterrows():
        with st.expander(hot_term_label(row, lang)):
            ex = hot.examples[(hot.examples["level"] == level) & (hot.examples["group"] == group)
                              & (hot.examples["term"] == row["term"])]
            for _, e in ex.iterrows():
                st.markdown(f"- `{e['ticket_id']}` {pd.Timestamp(e['created_at']):%m-%d %H:%M} {e['description']}")


def page() -> None:
    opened = sidebar.page_start("key_problems", "kp_intro")
    if opened is None:
        return
    engine, lang, span = opened
    render_list(engine, lang, span)
    render_hot(engine, lang)


page()
