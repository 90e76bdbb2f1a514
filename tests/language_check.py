"""One language at a time: the check every AppTest of a view can run on what the page shows.

`language_problems(at, lang, data)` walks an AppTest's message elements (title, headers, markdown, captions,
alerts, exceptions, widget labels, help texts, options and placeholders, metric labels and deltas, expander
and tab labels) and returns what is wrong:

- any exception element;
- in the English UI, CJK text that is not a data value of the store (a street, category or ticket text);
- in the Chinese UI, an English sentence: three or more consecutive Latin words that are not a data value
  (LA 311 request types, police precincts), a unit or a product name (Excel, PDF, …).

A run of text counts as data only when it is a whole data value, or a run of one (a ticket text split at its
digits or Latin words) whose whole value the same text shows: "街道" or "请尽快处理" is not data just because
some ticket's text contains it.

Code spans (`civicdesk staffing calibrate`), HTML tags and URLs are left out: they are commands and markup,
the same in both languages. The language switch itself is bilingual on purpose.

    data = store_values(engine)
    assert not language_problems(at, "zh", data)
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicdesk.drivers import extract_site, hot_topics
from civicdesk.overview import default_week

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


@dataclass(frozen=True)
class DataValues:
    """The data texts the check leaves alone, each value whole.

    A run of the page's text is data when it is a whole value, or a run of a value (a ticket text split at
    its digits or Latin words, as the page's text is split) whose whole value the same text shows.

    Attributes:
        values: the whole values.
        whole: the whole values as written, and in lower case (an export may shout: "WEST VALLEY").
        parts: run of a value (Latin runs in lower case) → the whole values holding it.
    """

    values: frozenset[str] = frozenset()
    whole: frozenset[str] = frozenset()
    parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Iterable[str]) -> DataValues:
        """From whole values (streets, categories, ticket texts, ...)."""
        values = frozenset(v.strip() for v in values if v and v.strip())
        parts: dict[str, list[str]] = {}
        for value in values:
            runs = {*CJK_RUN.findall(value), *(m.group().lower() for m in LATIN_RUN.finditer(value))}
            for run in runs - {value, value.lower()}:
                parts.setdefault(run, []).append(value)
        whole = values | {v.lower() for v in values}
        return cls(values, whole, {run: tuple(held) for run, held in parts.items()})

    def holds(self, run: str, text: str) -> bool:
        """Whether `run`, a run of `text`, is a whole data value or a run of a data value `text` shows whole."""
        run = run.strip(" \t,;:()")
        if not run or run in self.whole or run.lower() in self.whole:
            return True
        held = self.parts.get(run, ()) or self.parts.get(run.lower(), ())
        lower = text.lower()
        return any(value in text or value.lower() in lower for value in held)


def store_values(engine: Engine, extra: Iterable[str] = ()) -> DataValues:
    """Every data text the views may show, each value whole (streets, categories, ticket titles,
    descriptions and the places they open with, departments, and the reference tables' names in both
    languages), and the whole values `extra` (for instance `hot_terms(engine)`)."""
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
        descriptions = pd.Series(conn.execute(sa.text("SELECT DISTINCT description FROM tickets")).scalars().all(),
                                 dtype=object)
    found.extend(extract_site(descriptions).dropna())  # a key-problem place: "云岭镇新华村"
    return DataValues.of([*found, *extra])


def hot_terms(engine: Engine) -> list[str]:
    """The hot-topic terms of the default week (words of the tickets' texts, shown as they are); [] when the
    store has no hot topics."""
    week = default_week(engine)
    if week is None:
        return []
    try:
        terms = hot_topics(engine, week).terms
    except ValueError:  # no tickets before the week: the views say so and show no term
        return []
    return [*terms["term"].astype(str), *(str(r) for related in terms["related"] for r in related)]


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


def _data(data: DataValues | Iterable[str], extra: Iterable[str]) -> DataValues:
    """`data` as `DataValues` (whole values may be given as an iterable), with `extra` whole values added."""
    extra = list(extra)
    if isinstance(data, DataValues) and not extra:
        return data
    if isinstance(data, str):
        raise TypeError("data are whole values (store_values or an iterable of strings), not one string")
    if isinstance(data, DataValues):
        return DataValues.of([*data.values, *extra])
    return DataValues.of([*data, *extra])


def wrong_language(text: str, lang: str, data: DataValues | Iterable[str] = DataValues(),
                   extra: Iterable[str] = ()) -> list[str]:
    """The runs of `text` in the other language that are not data values (empty when all is well)."""
    if text in BILINGUAL:
        return []
    text = _clean(text)
    data = _data(data, extra)
    if lang == "en":
        return [run for run in CJK_RUN.findall(text)
                if run.strip("，。、：；（）《》“”！？…　 ") and not data.holds(run, text)]
    bad = []
    for match in LATIN_RUN.finditer(text):
        words = [w for w in re.findall(LATIN_WORD, match.group()) if w.lower().strip(".") not in LATIN_TERMS]
        if len(words) >= 3 and not data.holds(match.group(), text):
            bad.append(match.group())
    return bad


def language_problems(at, lang: str, data: DataValues | Iterable[str] = DataValues(),
                      extra: Iterable[str] = ()) -> list[str]:
    """Everything on the page that breaks "one language at a time", plus any exception shown."""
    problems = [f"exception: {e.value}" for e in at.exception]
    data = _data(data, extra)
    for kind, text in shown_texts(at):
        for run in wrong_language(text, lang, data):
            problems.append(f"{kind} in the {'English' if lang == 'en' else 'Chinese'} UI: {run!r} in {text[:200]!r}")
    return problems
