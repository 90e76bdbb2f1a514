"""Briefing: pick the week, read the weekly briefing (周报) in the page, download it as Word, PDF, HTML or Excel
(every format that could be made; each that could not is named, with the reason, in the user's language).

controls → `civicdesk.briefing.build_briefing` / `render` (via cached) → render.
"""
from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from civicdesk import config
from civicdesk.access import current_user, require
from civicdesk.accounts import audit
from civicdesk.briefing import EmptyWeekError, failure_kind
from civicdesk.briefing.formatting import cell
from civicdesk.i18n import t
from civicdesk.periods import iso_week_name, week_label

import cached
import sidebar

LOG = logging.getLogger(__name__)
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf", "html": "text/html",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def choose_week(engine, lang: str) -> str:
    """The week to write up: the default week (`civicdesk.overview.default_week`) unless another is chosen."""
    weeks, default = sidebar.week_choices(engine, config.db_url(), limit=104)
    picked = st.selectbox(t("br_week", lang), weeks, index=weeks.index(default), key=f"br_week_{lang}",
                          format_func=lambda m: week_label(m, lang))
    return iso_week_name(picked)


def shown_table(table, lang: str) -> pd.DataFrame:
    return pd.DataFrame({c: [cell(v, table.formats.get(c, "text"), lang) for v in table.frame[c]]
                         for c in table.frame.columns})


def preview(b, lang: str) -> None:
    with st.container(border=True):
        st.markdown(f"<h2 style='text-align:center'>{b.title}</h2><p style='text-align:center'>{b.subtitle}</p>",
                    unsafe_allow_html=True)
        for section in b.sections:
            st.subheader(section.heading)
            for paragraph in section.paragraphs:
                st.markdown(paragraph.replace("$", "\\$"))
            for figure in section.figures:
                st.vega_lite_chart(figure.spec, width="stretch")
                st.caption(figure.title)
            for table in section.tables:
                st.markdown(f"**{table.title}**")
                st.dataframe(shown_table(table, lang), hide_index=True, width="stretch")
                if table.note:
                    st.caption(table.note)
        st.markdown(f"<p style='text-align:right'>{b.issuer}<br>{b.issued}</p>", unsafe_allow_html=True)


def _audited(week: str, fmt: str, lang: str, actor: str) -> None:
    """Every download is audited (the files are made once and shared, so making them is not enough); the
    callback runs before the page, outside the signed-in user's context, so the user is passed in."""
    audit(cached.current_engine(), "download_briefing", week, {"format": fmt, "lang": lang}, actor=actor)


def failures(failed: dict[str, Exception], made_any: bool, lang: str) -> None:
    """Say which formats could not be made and why, in the user's language (the library's reason is English:
    it is logged when the files are made); the formats that were made are offered all the same."""
    for fmt, exc in failed.items():
        reason = t(f"br_why_{failure_kind(exc)}", lang)
        st.warning(t("br_failed", lang).format(fmt=t(f"br_fmt_{fmt}", lang), reason=reason))
    if failed:
        st.caption(t("br_others_ready" if made_any else "br_none_made", lang))


def downloads(b, lang: str) -> None:
    st.subheader(t("br_download", lang))
    made = cached.briefing_files(b)
    if made is None:
        slot = st.empty()
        if not slot.button(t("br_make_files", lang), type="primary", key="br_make"):
            return
        slot.empty()  # the button gives way to the download buttons (it stayed beside them until the next rerun)
        require("export_briefing")
        bar = st.progress(0.0, text=t("br_rendering", lang))
        made = cached.briefing_files(b, progress=lambda f, fmt: bar.progress(f, text=t("br_rendering", lang)))
        bar.empty()
        files, failed = made
        for fmt, exc in failed.items():
            LOG.warning("briefing %s (%s): the %s file was not made: %s", b.week, lang, fmt, exc, exc_info=exc)
        audit(cached.current_engine(), "export_briefing", b.week,
              {"formats": list(files), "failed": list(failed), "lang": lang, "via": "app"})
    files, failed = made
    failures(failed, bool(files), lang)
    if not files:
        return
    cols = st.columns(len(files))
    for col, (fmt, data) in zip(cols, files.items()):
        col.download_button(t(f"br_{fmt}", lang), data, file_name=f"briefing-{b.week}-{lang}.{fmt}", mime=MIME[fmt],
                            key=f"br_dl_{fmt}", on_click=_audited, args=(b.week, fmt, lang, current_user().name))


def page() -> None:
    opened = sidebar.page_start("briefing", "br_intro")
    if opened is None:
        return
    engine, lang, span = opened
    week = choose_week(engine, lang)
    bar = st.progress(0.0, text=t("br_building", lang))
    try:
        b = cached.briefing(engine, config.db_url(), week, lang, cached.data_version(engine, config.db_url()),
                            progress=lambda f, stage: bar.progress(
                                f, text=f"{t('br_building', lang)} {t('br_stage_' + stage, lang)}"))
    except EmptyWeekError as exc:
        LOG.info("no briefing for %s: %s", week, exc)
        st.info(t("pt_no_week_tickets", lang))
        return
    except ValueError as exc:  # the library's reason is English: log it, say it in the user's language
        LOG.warning("no briefing for %s: %s", week, exc)
        st.warning(t("pt_failed", lang))
        return
    finally:
        bar.empty()
    downloads(b, lang)
    preview(b, lang)


page()
