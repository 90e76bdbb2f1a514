"""civicdesk's Streamlit app: a router over the views; every view is a thin shell over the library.

`streamlit run app/streamlit_app.py` finds the `st.App` below and serves it (Streamlit's ASGI mode), with the
routes of `urls` that make every view's URL open that view; each run of the app's script executes this file
as ``__main__``, the router.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).parent))

import urls  # noqa: E402

if __name__ != "__main__":  # imported by `streamlit run` (or an ASGI server) to serve the app
    app = st.App(__file__, routes=urls.routes())
else:
    from civicdesk.i18n import t
    from civicdesk.store import StoreError

    from civicdesk.access import AccessDenied, acting_as
    from civicdesk.parallel import SchedulerError

    import cached
    import sidebar
    import signin

    VIEWS = Path(__file__).parent / "views"

    st.set_page_config(page_title="civicdesk", page_icon="🏛️", layout="wide")
    lang = sidebar.language()
    st.sidebar.caption(t("app_title", lang))
    try:
        cached.current_engine()
    except StoreError as exc:
        st.error(f"{t('store_error', lang)}{exc}")
        st.stop()

    pages = {path: st.Page(str(VIEWS / f"{script}.py"), title=t(key, lang), icon=icon, url_path=path,
                          default=path == urls.DEFAULT) for script, key, icon, path in urls.VIEWS}
    user = signin.gate(cached.current_engine(), lang)
    with acting_as(user):
        try:
            page = st.navigation(list(pages.values()))
            urls.follow(pages, page)  # a deep link, redirected by the server to /?view=<path>
            page.run()
        except AccessDenied as exc:  # the library refused: the page showed a control the role cannot use
            st.error(f"{t('not_allowed', lang)}{exc}")
        except SchedulerError as exc:  # CIVICDESK_DASK_SCHEDULER names no usable cluster: say so, log the detail
            logging.getLogger("civicdesk.app").warning("%s", exc)
            st.error(t("scheduler_unusable", lang))
