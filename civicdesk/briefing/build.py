"""`build_briefing(engine, week, lang)`: the weekly briefing as data, every number from the store.

Sections: 一、总体情况 (`volume`), 二、三率 (`volume`), 三、预警与热点 and 四、重点问题清单 (`signals`),
五、下周预测与力量建议 and 六、满意度分析 (`outlook`). A section whose analysis cannot run on this week's data
(too little history to forecast, no roster to plan with) says so in a sentence instead of failing the
whole briefing.

Each process imports the sections it builds when it builds them (`volume` here; `outlook`, with the
staffing simulation and the driver model, in the second process), so this one does not wait for the
staffing code; `signals`, which both need (the forecasts, statsmodels, SciPy), is imported once before the
fork and inherited.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from threadpoolctl import threadpool_limits

from civicdesk import store
from civicdesk.store.queries import english_names
from civicdesk.briefing import formatting as fm
from civicdesk.briefing.model import Briefing, Section
from civicdesk.briefing.render import fork_is_safe
from civicdesk.kpi import Coverage, data_coverage
from civicdesk.overview import overview
from civicdesk.periods import iso_week_name, week_monday

ISSUER = {"zh": "区社会治理综合服务中心", "en": "District social-governance service centre"}
TITLE = {"zh": "社会治理综合服务中心工作周报", "en": "Weekly briefing of the social-governance service centre"}
#: Weeks of history a forecast-based section needs before the week.
MIN_HISTORY_WEEKS = 8
HEADINGS = {"signals": ("三、预警与热点", "3. Early warnings and hot topics"),
            "outlook": ("五、下周预测与力量建议", "5. Next week: forecast and staffing")}


class EmptyWeekError(ValueError):
    """The week asked for holds no tickets; `monday` says which (callers word it in the user's language)."""

    def __init__(self, monday: date):
        self.monday = monday
        super().__init__(f"the week {iso_week_name(monday)} ({monday} – {monday + timedelta(days=6)}) has no "
                         "tickets in the store")


def _guarded(key: str, lang: str, build: Callable[[], tuple[Section, dict]], ready: bool) -> tuple[Section, dict]:
    """Run a forecast-based section builder; too little history, or a ValueError from data too thin for
    it, becomes an honest sentence instead."""
    try:
        if not ready:
            raise ValueError(_too_early(lang))
        return build()
    except ValueError as exc:
        zh, en = HEADINGS[key]
        text = f"本部分暂无法生成：{exc}。" if lang == "zh" else f"This part could not be produced: {exc}."
        return Section(key, zh if lang == "zh" else en, (text,)), {}


def _too_early(lang: str) -> str:
    return (f"数据起始不足{MIN_HISTORY_WEEKS}周，暂不能作出可靠预测" if lang == "zh"
            else f"the data start less than {MIN_HISTORY_WEEKS} weeks before this week, too early to forecast")


def build_briefing(engine, week, lang: str = "zh", progress: Callable[[float, str], None] | None = None,
                   redact: bool = False, processes: bool | None = None) -> Briefing:
    """Build the briefing of an ISO week ("2023-W07" or any date inside it).

    Args:
        redact: mask the residents' words (example tickets) for circulation beyond the centre.
        processes: build sections 5 and 6 in a second (forked) process; None decides by `_second_process`.

    Raises:
        EmptyWeekError: the week holds no tickets (a ValueError).
        ValueError: the language is not "zh" or "en".
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"the briefing is written in 'zh' or 'en', not {lang!r}")
    report = progress or (lambda fraction, stage: None)
    monday = week_monday(week)
    sunday = monday + timedelta(days=6)
    span = store.data_span(engine)
    ov = overview(engine, monday)
    if span is None or int(ov.this_week.get("received", 0) or 0) == 0:
        raise EmptyWeekError(monday)
    english = {} if lang == "zh" else english_names(engine)
    coverage = data_coverage(engine)
    enough = (monday - span[0]).days >= 7 * MIN_HISTORY_WEEKS
    report(0.1, "overview")
    settled = (span[1] - sunday).days >= 7
    received = int(ov.this_week["received"])
    # The forecast, staffing and driver sections run in a second process where that is safe: the work is
    # Python-bound, so threads do not overlap it (about 9 s in one process, 5 s in two, on 2 cores).
    outlook = _OutlookJob(sunday, received, lang, english, enough, coverage)
    second = _second_process(engine) if processes is None else processes
    # Both processes need `signals` and what it loads (the forecasts, statsmodels, SciPy, the hot topics):
    # imported once, before the fork, the second process inherits it instead of importing it again.
    from civicdesk.briefing.signals import key_section, signals_section

    pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"), initializer=_forget_connections,
                               initargs=(engine,)) if second else None
    try:
        pending = pool.submit(outlook.run, None) if pool else None
        from civicdesk.briefing.volume import overview_section, rates_section

        with threadpool_limits(1, user_api="blas"):  # one BLAS thread: see `_OutlookJob.run`
            first = overview_section(engine, ov, lang, english, span[0], coverage)
            parts = [first, rates_section(ov, lang, english, settled, coverage, figure_no=len(first[0].figures) + 1)]
            report(0.2, "signals")
            parts.append(_guarded("signals", lang, lambda: signals_section(engine, monday, lang, english, redact),
                                  enough))
            report(0.4, "key_problems")
            parts.append(key_section(engine, sunday, lang, english))
        report(0.6, "outlook")
        if pending:
            _prepare_rendering(parts, pending)
        parts += pending.result() if pending else outlook.run(engine)
    finally:
        if pool:
            pool.shutdown()
    report(1.0, "done")
    numbers = {k: v for _, n in parts for k, v in n.items()}
    issued = sunday + timedelta(days=1)
    subtitle = (f"（{fm.chinese_date(monday)}—{fm.chinese_date(sunday, monday.year != sunday.year)}）"
                if lang == "zh" else f"({monday:%d %B %Y} – {sunday:%d %B %Y})")
    return Briefing(iso_week_name(monday), monday, sunday, lang, TITLE[lang], subtitle, ISSUER[lang],
                    fm.chinese_date(issued) if lang == "zh" else f"{issued:%d %B %Y}",
                    tuple(s for s, _ in parts), numbers)


def _prepare_rendering(parts: list[tuple[Section, dict]], pending) -> None:
    """While the second process works: load the Word and PDF writers and draw this process's charts, which
    `render` then finds drawn (the wait would otherwise be idle). Stops as soon as the other process is done."""
    from civicdesk.briefing import docx, pdf  # python-docx and WeasyPrint take ~0.8 s to load
    from civicdesk.briefing import xlsx  # noqa: F401 - openpyxl, 0.2 s, loaded while waiting
    from civicdesk.briefing.figures import figure_png, figure_svg

    if not pending.done():
        pdf.load_weasyprint()
    for section, _ in parts:
        for figure in section.figures:
            if pending.done():
                return
            figure_svg(figure)
            figure_png(figure, scale=docx.png_scale(figure))


class _OutlookJob:
    """Sections 五 and 六, picklable for a forked process (the store comes from the fork, not the pickle)."""

    def __init__(self, sunday: date, received: int, lang: str, english: dict[str, str], enough: bool,
                 coverage: Coverage):
        self.sunday, self.received, self.lang, self.english, self.enough = sunday, received, lang, english, enough
        self.coverage = coverage

    def run(self, engine) -> list[tuple[Section, dict]]:
        engine = engine if engine is not None else _FORKED_ENGINE
        from civicdesk.briefing.outlook import outlook_section, satisfaction_section

        # Hundreds of small least-squares fits (the forecasts' GLMs, the driver model, here and in `signals`):
        # BLAS threads cost far more than they give there, and on a busy 2-core machine they spin against each
        # other (a week's forecast took 3-6 s with two OpenBLAS threads, 0.4 s with one). Set after the
        # imports, so that it covers the BLAS libraries they load.
        with threadpool_limits(1, user_api="blas"):
            return [_guarded("outlook", self.lang, lambda: outlook_section(
                        engine, self.sunday, self.received, self.lang, self.english, self.coverage), self.enough),
                    satisfaction_section(engine, self.sunday, self.lang, self.coverage)]


_FORKED_ENGINE = None


def _forget_connections(engine) -> None:
    """In the forked process: drop the parent's pooled connections (never close them) and open new ones."""
    global _FORKED_ENGINE
    engine.dispose(close=False)
    _FORKED_ENGINE = engine


def _second_process(engine) -> bool:
    """Fork only where it is safe and helps: two or more cores, a single-threaded caller (the command line, a
    script; not the app's server or a notebook kernel, whose threads a fork would copy mid-flight) and a
    store a new connection can reach (not an in-memory SQLite). CIVICDESK_BRIEFING_PROCESSES=0 turns it off."""
    return fork_is_safe() and engine.url.database not in (None, "", ":memory:")
