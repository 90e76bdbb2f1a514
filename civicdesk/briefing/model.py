"""The weekly briefing as data: a frozen `Briefing` of sections, each with paragraphs, tables and figures.

`civicdesk.briefing.build.build_briefing` fills it from the store; the renderers (docx, pdf, html, xlsx)
only lay it out, so every format says the same thing with the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

#: Cell formats a table column can ask for (renderers format numbers; tables hold numbers, not strings).
FORMATS = ("text", "int", "pct", "pt", "float1", "change")


@dataclass(frozen=True)
class Table:
    """A table of the briefing.

    Attributes:
        key: short id, also the Excel sheet name (ASCII, ≤ 31 characters), e.g. "by_category".
        title: the caption shown above the table, e.g. "表1 各类诉求受理情况".
        frame: the rows, with display headers (Chinese by default) as column names; numbers stay numbers
            (rates in [0, 1]) and missing values are None/NaN (shown as "—").
        formats: column name -> one of FORMATS: "int" 1,234; "pct" 95.3%; "pt" +1.2个百分点 (a difference of
            rates, given in [−1, 1]); "float1" 12.3; "change" +4.5% (a relative change, given as 0.045);
            columns not named are "text".
        note: a line under the table (source, definitions), may be empty.
    """

    key: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart of the briefing: an Altair/Vega-Lite spec (renderers draw it as PNG or SVG) with its caption
    (shown below the figure, e.g. "图1 近12周受理量")."""

    key: str
    title: str
    spec: dict


@dataclass(frozen=True)
class Section:
    """One numbered part: heading ("一、总体情况"), paragraphs of running text, then figures and tables."""

    key: str
    heading: str
    paragraphs: tuple[str, ...]
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Briefing:
    """The weekly briefing (周报) of one ISO week.

    Attributes:
        week: ISO week name, "2023-W07".
        start, end: Monday and Sunday of the week.
        lang: "zh" or "en".
        title: e.g. "社会治理综合服务中心工作周报".
        subtitle: the period, e.g. "（2023年2月13日—2月19日）".
        issuer: who sends it, e.g. "区社会治理综合服务中心".
        issued: the date line, e.g. "2023年2月20日" (the Monday after the week).
        sections: the numbered parts in order.
        numbers: the headline figures by name (received, received_wow, received_yoy, response_rate, …),
            as computed, so tests and the app can check every rendered number against the store.
    """

    week: str
    start: date
    end: date
    lang: str
    title: str
    subtitle: str
    issuer: str
    issued: str
    sections: tuple[Section, ...]
    numbers: dict[str, float | int | None]

    def tables(self) -> list[Table]:
        """Every table, in order of appearance."""
        return [t for s in self.sections for t in s.tables]

    def figures(self) -> list[Figure]:
        """Every figure, in order of appearance."""
        return [f for s in self.sections for f in s.figures]
