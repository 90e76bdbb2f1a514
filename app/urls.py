"""Every view's URL opens that view, the default one included (`routes` on the server, `follow` in the router).

Streamlit 1.67 serves a multipage app's default page at "/" only, so /overview opened its "Page not found"
dialog. And its frontend, opened on a deep link such as /satisfaction, first looks for the server under the
page's path (GET /satisfaction/_stcore/health and /satisfaction/_stcore/host-config, both 404 by design, each a
console error in the browser) before it falls back to / (streamlit/streamlit#7074, open). So the server
answers each view's path itself with a redirect to the app's root: /overview to "/", every other view to
"/?view=<its path>"; there the router switches to the view the query names (`follow`) and the browser shows
the view's own URL again. `streamlit run app/streamlit_app.py` serves these routes because that file holds an
`st.App`, Streamlit's ASGI entry point, which takes extra Starlette routes.
"""
from __future__ import annotations

from urllib.parse import urlencode

#: The views: script in app/views/, title key (civicdesk.i18n), sidebar icon, URL path. The first is the
#: default view, served at "/".
VIEWS = (("overview", "overview", ":material/dashboard:", "overview"),
         ("compare", "compare", ":material/compare_arrows:", "compare"),
         ("forecast", "forecast", ":material/trending_up:", "forecast"),
         ("staffing", "staffing", ":material/groups:", "staffing"),
         ("satisfaction", "satisfaction", ":material/sentiment_satisfied:", "satisfaction"),
         ("key_problems", "key_problems", ":material/report:", "key-problems"),
         ("briefing", "briefing", ":material/description:", "briefing"),
         ("data", "data", ":material/upload_file:", "data"))
DEFAULT = VIEWS[0][3]
QUERY = "view"  # the query parameter that names the view a deep link asked for


def redirect_target(path: str, query: str = "") -> str:
    """Where the server sends a browser that asked for a view's ``path`` (with its ``query`` string): the app's
    root, relative to the request (so it holds behind a proxy that strips a prefix), naming the view unless it
    is the default one."""
    view = path.strip("/")
    params = "&".join(p for p in ("" if view == DEFAULT else urlencode({QUERY: view}), query) if p)
    return "./" + (f"?{params}" if params else "")


def routes() -> list:
    """Starlette routes: each view's path redirects (307) to `redirect_target`."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    async def to_root(request):
        return RedirectResponse(redirect_target(request.url.path, request.url.query), status_code=307,
                                headers={"Cache-Control": "no-cache"})

    return [Route(f"/{path}", to_root, methods=["GET", "HEAD"]) for *_, path in VIEWS]


def follow(pages: dict, current) -> None:
    """In the router, after `st.navigation`: when the URL names a view (``?view=<path>``, a redirected deep
    link), switch to it, keeping any other query parameters; an unknown name or the default view just drops
    the parameter. ``pages`` maps URL paths to `st.Page` objects; ``current`` is the page navigation chose."""
    import streamlit as st

    if QUERY not in st.query_params:
        return
    target = pages.get(st.query_params[QUERY])
    if target is None or target is current:
        del st.query_params[QUERY]
        return
    rest = {key: st.query_params.get_all(key) for key in st.query_params if key != QUERY}
    st.switch_page(target, query_params=rest)
