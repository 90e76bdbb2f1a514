"""civicdesk's Streamlit app: a router over the views; every view is a thin shell over the library."""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).parent))

from civicdesk.i18n import t  # noqa: E402
from civicdesk.store import StoreError  # noqa: E402

from civicdesk.access import AccessDenied, acting_as  # noqa: E402

import cached  # noqa: E402
import sidebar  # noqa: E402
import signin  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="civicdesk", page_icon="🏛️", layout="wide")
lang = sidebar.language()
st.sidebar.caption(t("app_title", lang))
try:
    cached.current_engine()
except StoreError as exc:
    st.error(f"{t('store_error', lang)}{exc}")
    st.stop()

pages = [st.Page(str(VIEWS / "overview.py"), title=t("overview", lang), icon=":material/dashboard:", url_path="overview", default=True),
         st.Page(str(VIEWS / "forecast.py"), title=t("forecast", lang), icon=":material/trending_up:",
                 url_path="forecast"),
         st.Page(str(VIEWS / "staffing.py"), title=t("staffing", lang), icon=":material/groups:", url_path="staffing"),
         st.Page(str(VIEWS / "satisfaction.py"), title=t("satisfaction", lang), icon=":material/sentiment_satisfied:",
                 url_path="satisfaction"),
         st.Page(str(VIEWS / "key_problems.py"), title=t("key_problems", lang), icon=":material/report:",
                 url_path="key-problems"),
         st.Page(str(VIEWS / "briefing.py"), title=t("briefing", lang), icon=":material/description:",
                 url_path="briefing"),
         st.Page(str(VIEWS / "data.py"), title=t("data", lang), icon=":material/upload_file:", url_path="data")]
user = signin.gate(cached.current_engine(), lang)
with acting_as(user):
    try:
        st.navigation(pages).run()
    except AccessDenied as exc:  # the library refused: the page showed a control the role cannot use
        st.error(f"{t('not_allowed', lang)}{exc}")
