"""One language at a time: the check every AppTest of a view can run on what the page shows.

`language_problems(at, lang, data)` walks an AppTest's message elements (title, headers, markdown, captions,
alerts, exceptions, widget labels, help texts, options and placeholders, metric labels and deltas, expander
and tab labels) and returns what is wrong:

- any exception element;
- in the English UI, CJK text that is not a data value of the store (a street, category or ticket text);
- in the Chinese UI, an English sentence: three or more consecutive Latin words that are not a data value
  (LA 311 request types, police precincts), a unit or a product name (Excel, PDF, …).

Code spans (`civicdesk staffing calibrate`), HTML tags and URLs are left out: they are commands and markup,
the same in both languages. The language switch itself is bilingual on purpose.

    data = store_values(engine)
    assert not language_problems(at, "zh", data)
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: Text blocks whose whole text is a message.
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "toast", "text")
#: Widgets: their label, help, placeholder and options are read.
WIDGETS = ("button", "download_button", "form_submit_button", "link_button", "checkbox", "toggle", "radio",
           "selectbox", "multiselect", "select_slider", "slider", "number_input", "text_input", "text_area",
           "date_input", "time_input", "file_uploader", "color_picker", "pills", "segmented_control")
#: Containers with a label.
BLOCKS = ("expander", "tabs", "status")
#: Shown in both languages on purpose: the language switch.
BILINGUAL = frozenset({"语言 / Language", "Language / 语言", "中文", "English"})
#: Latin words a Chinese sentence may hold: product and format names, units, statistics, model names.
LATIN_TERMS = frozenset(w.lower() for w in (
    "Excel", "Word", "PDF", "CSV", "XLSX", "XLS", "HTML", "JSON", "Open311", "GeoJSON", "WPS", "APP", "App",
    "civicdesk", "Streamlit", "pt", "AUC", "McFadden", "MASE", "ETS", "ARIMA", "P50", "P90", "P97.5", "ID",
    "UTF", "GBK", "MB", "GB", "KB", "TOML", "URL", "SQLite", "PostgreSQL", "AutoETS", "Naive", "SeasonalNaive",
))
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
LATIN_WORD = r"[A-Za-z][A-Za-z'’.\-/&]*"
LATIN_RUN = re.compile(rf"{LATIN_WORD}(?:[ \t,;:()]+{LATIN_WORD})+")
CODE_SPAN = re.compile(r"`[^`]*`")
HTML_TAG = re.compile(r"<[^>]+>")
URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:csv|xlsx|xls|json|docx|pdf|html|toml|db)\b", re.IGNORECASE)


def store_values(engine: Engine) -> str:
    """Every data text the views may show, as one string to look runs up in (streets, categories, ticket
    titles, descriptions, departments, and the reference tables' names in both languages)."""
    queries = ["SELECT DISTINCT street FROM tickets", "SELECT DISTINCT category FROM tickets",
               "SELECT DISTINCT subcategory FROM tickets", "SELECT DISTINCT department FROM tickets",
               "SELECT DISTINCT description FROM tickets", "SELECT name FROM streets", "SELECT name_en FROM streets",
               "SELECT level1 FROM categories", "SELECT level2 FROM categories", "SELECT level3 FROM categories",
               "SELECT name_en FROM categories"]
    found: list[str] = []
    with engine.connect() as conn:
        for query in queries:
            try:
                found.extend(str(v) for v in conn.execute(sa.text(query)).scalars() if v)
            except sa.exc.DBAPIError:  # a table or column this store does not have (an older schema)
                conn.rollback()
    return "\n".join(found)


def _widget_texts(node) -> Iterator[str]:
    for attr in ("label", "help", "placeholder"):
        value = getattr(node, attr, None)
        if isinstance(value, str) and value:
            yield value
    try:
        options = getattr(node, "options", None)
    except Exception:  # noqa: BLE001 - an element whose options cannot be read has none to check
        options = None
    for option in options or ():
        yield str(option)


def shown_texts(at) -> Iterator[tuple[str, str]]:
    """(element kind, text) for every message the page shows."""
    for kind in TEXT_ELEMENTS:
        for node in getattr(at, kind, ()):
            yield kind, str(node.value)
    for kind in WIDGETS:
        for node in getattr(at, kind, ()):
            for text in _widget_texts(node):
                yield kind, text
    for node in at.metric:
        yield "metric", node.label
        if node.delta:
            yield "metric", str(node.delta)
    for kind in BLOCKS:
        for node in getattr(at, kind, ()):
            label = getattr(node, "label", None)
            if label:
                yield kind, label


def _clean(text: str) -> str:
    return URL.sub(" ", HTML_TAG.sub(" ", CODE_SPAN.sub(" ", text)))


def _is_data(run: str, data: str, extra: Iterable[str]) -> bool:
    run = run.strip(" \t,;:()")
    return not run or run in data or run.lower() in data.lower() or any(run in e for e in extra)


def wrong_language(text: str, lang: str, data: str = "", extra: Iterable[str] = ()) -> list[str]:
    """The runs of `text` in the other language that are not data values (empty when all is well)."""
    if text in BILINGUAL:
        return []
    text = _clean(text)
    extra = list(extra)
    if lang == "en":
        return [run for run in CJK_RUN.findall(text)
                if run.strip("，。、：；（）《》“”！？…　 ") and not _is_data(run, data, extra)]
    bad = []
    for match in LATIN_RUN.finditer(text):
        words = [w for w in re.findall(LATIN_WORD, match.group()) if w.lower().strip(".") not in LATIN_TERMS]
        if len(words) >= 3 and not _is_data(match.group(), data, extra):
            bad.append(match.group())
    return bad


def language_problems(at, lang: str, data: str = "", extra: Iterable[str] = ()) -> list[str]:
    """Everything on the page that breaks "one language at a time", plus any exception shown."""
    problems = [f"exception: {e.value}" for e in at.exception]
    for kind, text in shown_texts(at):
        if kind == "exception":
            continue
        for run in wrong_language(text, lang, data, extra):
            problems.append(f"{kind} in the {'English' if lang == 'en' else 'Chinese'} UI: {run!r} in {text[:200]!r}")
    return problems
