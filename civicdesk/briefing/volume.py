"""Sections 一、总体情况 and 二、三率: the week's tickets and the four rates, from the Overview and the rollup."""
from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd

from civicdesk import charts
from civicdesk.briefing import formatting as fm
from civicdesk.briefing.model import Figure, Section, Table
from civicdesk.i18n import category_label, channel_label, kpi_label, street_label, t
from civicdesk.kpi import FULL_COVERAGE, TARGETS, Coverage, kpi_table
from civicdesk.overview import Overview
from civicdesk.store.categories import merge_tail

RATES = ("response_rate", "closure_rate", "on_time_rate", "satisfaction_rate")
TOP_CATEGORIES = 5
TOP_STREETS = 3
#: Rows of the category table; a longer taxonomy shows these and merges the rest into one row.
TABLE_CATEGORIES = 12
#: The string saying why a rate cannot be measured.
_MISSING = {"response_rate": "cov_no_signing", "closure_rate": "cov_no_closing", "on_time_rate": "cov_no_closing",
            "satisfaction_rate": "cov_no_callbacks"}


def _num(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def year_ago(engine, ov: Overview, first_day=None) -> float | None:
    """Tickets received in the same ISO week a year before (52 weeks), None when that week holds none or
    is not wholly inside the data."""
    monday = ov.week_start - timedelta(weeks=52)
    if first_day is not None and monday < first_day:
        return None
    frame = kpi_table(engine, "W", (), monday, monday + timedelta(days=6))
    received = int(frame["received"].sum()) if len(frame) else 0
    return float(received) if received else None


def _changes(ov: Overview, yoy_base: float | None, first_day) -> tuple[float | None, float | None]:
    """环比 and 同比 as ratios − 1; None when the week compared with is not wholly inside the data."""
    now = float(ov.this_week["received"])
    whole = first_day is None or ov.week_start - timedelta(weeks=1) >= first_day
    last = float(ov.last_week.get("received", 0) or 0) if whole else 0.0
    wow = now / last - 1.0 if last else None
    yoy = now / yoy_base - 1.0 if yoy_base else None
    return wow, yoy


def _opening(ov: Overview, wow, yoy, lang: str) -> str:
    n = int(ov.this_week["received"])
    start, end = ov.week_start, ov.week_end
    if lang == "zh":
        head = f"{fm.chinese_date(start, False)}至{fm.chinese_date(end, False)}一周，区社会治理综合服务中心接收工单{n}件"
        wow_text = f"，环比{fm.change(wow)}" if wow is not None else "（上周无数据，暂无环比）"
        yoy_text = f"，同比{fm.change(yoy)}" if yoy is not None else "，去年同期无可比数据"
        return head + wow_text + yoy_text + "。"
    head = f"In the week {start:%d %b} – {end:%d %b %Y} the centre received {n:,} tickets"
    wow_text = f", {fm.change(wow, 'en')} on the week before" if wow is not None else " (no data for the week before)"
    yoy_text = f" and {fm.change(yoy, 'en')} on a year ago" if yoy is not None else "; there is no data a year ago"
    return head + wow_text + yoy_text + ". "


def _mix(ov: Overview, lang: str, english: dict[str, str], coverage: Coverage = FULL_COVERAGE) -> str:
    cats = ov.by_category
    top = cats.head(TOP_CATEGORIES)
    rest = int(cats["received"].iloc[TOP_CATEGORIES:].sum())
    sep = "、" if lang == "zh" else ", "
    parts = [f"{category_label(c, lang, english)}{fm.count(n)}" if lang == "zh" else f"{category_label(c, lang, english)} {int(n):,}"
             for c, n in zip(top["category"], top["received"])]
    if rest:
        parts.append(f"其余类别合计{rest}件" if lang == "zh" else f"all other categories {rest:,}")
    if not coverage.channels:
        return (f"其中，{sep.join(parts)}。{t('cov_no_channel', lang)}。" if lang == "zh"
                else f"By category: {sep.join(parts)}. {t('cov_no_channel', lang).capitalize()}.")
    channels = ov.by_channel.sort_values("received", ascending=False)
    ch = sep.join(f"{channel_label(c, lang)}{fm.count(n)}（占{fm.pct(s)}）" if lang == "zh"
                  else f"{channel_label(c, lang)} {int(n):,} ({fm.pct(s)})"
                  for c, n, s in zip(channels["channel"], channels["received"], channels["share"]))
    if lang == "zh":
        return f"其中，{sep.join(parts)}。从渠道看，{ch}。"
    return f"By category: {sep.join(parts)}. By channel: {ch}."


def _streets_line(ov: Overview, lang: str, english: dict[str, str], coverage: Coverage = FULL_COVERAGE) -> str:
    if not coverage.streets:  # the export names no street
        return t("cov_no_street", lang)
    top = ov.by_street.head(TOP_STREETS)
    if lang == "zh":
        parts = "、".join(f"{street_label(s, lang)}（{int(n)}件）" for s, n in zip(top["street"], top["received"]))
        return f"从镇街看，受理量居前{len(top)}位的是{parts}。"
    parts = ", ".join(f"{street_label(s, lang, english)} ({int(n):,})" for s, n in zip(top["street"], top["received"]))
    return f"The busiest streets were {parts}."


def _category_table(ov: Overview, lang: str, english: dict[str, str]) -> Table:
    zh = lang == "zh"
    cols = ["类别", "本周（件）", "上周（件）", "环比", "占比"] if zh else ["Category", "This week", "Last week",
                                                                  "Change", "Share"]
    c, note = _with_tail(ov.by_category, lang)
    names = [x if tail else category_label(x, lang, english) for x, tail in zip(c["category"], c["tail"])]
    frame = pd.DataFrame({cols[0]: names, cols[1]: c["received"], cols[2]: c["last_week"], cols[3]: c["change"],
                          cols[4]: c["share"]})
    return Table("by_category", "表1 各类诉求受理情况" if zh else "Table 1 Tickets by category", frame,
                 {cols[1]: "int", cols[2]: "int", cols[3]: "change", cols[4]: "pct"}, note)


def _with_tail(cats: pd.DataFrame, lang: str, top: int = TABLE_CATEGORIES) -> tuple[pd.DataFrame, str]:
    """The week's categories, largest first; beyond `top` (a long taxonomy) the rest merged into one row
    named in `lang`, and the note that says so (empty when nothing was merged)."""
    columns = ["category", "received", "last_week", "change", "share"]
    out, merged = merge_tail(cats[columns], "category", "received", top, None, ["received", "last_week", "share"])
    out["tail"] = False
    if not merged:
        return out, ""
    received, last = out["received"].iloc[-1], out["last_week"].iloc[-1]
    out.loc[out.index[-1], ["category", "change", "tail"]] = [t("cov_tail_row", lang).format(n=merged),
                                                           received / last - 1.0 if last else float("nan"), True]
    return out, t("cov_tail_note", lang).format(top=top, n=merged)


def _street_table(ov: Overview, lang: str, english: dict[str, str], coverage: Coverage = FULL_COVERAGE) -> Table:
    """Table 2; a rate the store cannot measure is missing ("—"), as in the text and the Overview, not 0%."""
    zh = lang == "zh"
    s = ov.by_street
    names = ["镇街", "受理（件）", "环比"] if zh else ["Street", "Received", "Change"]
    frame = pd.DataFrame({names[0]: [street_label(x, lang, english) for x in s["street"]], names[1]: s["received"],
                          names[2]: s["change"]})
    for rate in RATES:
        frame[kpi_label(rate, lang)] = s[rate] if coverage.measures(rate) else float("nan")
    formats = {names[1]: "int", names[2]: "change", **{kpi_label(r, lang): "pct" for r in RATES}}
    return Table("by_street", "表2 各镇街受理及办理情况" if zh else "Table 2 Tickets and rates by street", frame,
                 formats, "办结率按本周受理工单截至统计时的办结情况计算。" if zh else
                 "Closure counts this week's tickets closed by the time of the data snapshot.")


def overview_section(engine, ov: Overview, lang: str, english: dict[str, str], first_day=None,
                     coverage: Coverage = FULL_COVERAGE) -> tuple[Section, dict]:
    """一、总体情况, and the numbers it states (`first_day`: the data's first day; weeks before it are not
    compared with; `coverage`: what the store records, `civicdesk.kpi.data_coverage`)."""
    yoy_base = year_ago(engine, ov, first_day)
    wow, yoy = _changes(ov, yoy_base, first_day)
    paragraphs = (_opening(ov, wow, yoy, lang) + _mix(ov, lang, english, coverage),
                  _streets_line(ov, lang, english, coverage))
    trend = ov.trend.tail(12)
    figure = Figure("weekly_volume", "图1 近12周受理量" if lang == "zh" else "Figure 1 Tickets per week, last 12 weeks",
                    charts.weekly_volume_chart(trend, lang).to_dict())
    map_no = 2  # after 图1
    district_map = _street_map_figure(engine, ov, lang, english, map_no) if coverage.streets else None
    if district_map is not None:
        paragraphs = (paragraphs[0], _with_map_reference(paragraphs[1], lang, map_no))
    numbers = {"received": int(ov.this_week["received"]), "received_last_week": _num(ov.last_week.get("received")),
               "received_year_ago": yoy_base, "received_wow": wow, "received_yoy": yoy}
    numbers |= {f"category:{c}": int(n) for c, n in zip(ov.by_category["category"], ov.by_category["received"])}
    numbers |= {f"street:{s}": int(n) for s, n in zip(ov.by_street["street"], ov.by_street["received"])}
    numbers |= {f"channel:{c}": int(n) for c, n in zip(ov.by_channel["channel"], ov.by_channel["received"])}
    heading = "一、总体情况" if lang == "zh" else "1. Overview"
    return Section("overview", heading, paragraphs, (figure,) + ((district_map,) if district_map else ()),
                   (_category_table(ov, lang, english),)
                   + ((_street_table(ov, lang, english, coverage),) if coverage.streets else ())), numbers


#: The briefing's map colours the streets by the week's tickets (section 1 is about volume).
MAP_MEASURE = "received"


def _street_map_figure(engine, ov: Overview, lang: str, english: dict[str, str], number: int) -> Figure | None:
    """图n: the district map coloured by the week's tickets per street; None when the store holds no street
    boundaries (the text then stands alone, as before)."""
    from civicdesk.charts.street_map import street_map, street_values
    from civicdesk.geo import street_shapes

    shapes = street_shapes(engine)
    if shapes.empty:
        return None
    values = street_values(ov.by_street, shapes.streets)
    spec = street_map(shapes.streets, values, MAP_MEASURE, lang, english, width=440, height=380).to_dict()
    return Figure("street_map", t("map_caption", lang).format(n=number), spec)


def _with_map_reference(line: str, lang: str, number: int) -> str:
    """The streets sentence pointing at the map ("（见图2）")."""
    if lang == "zh":
        return line[:-1] + f"（见图{number}）。" if line.endswith("。") else line
    return line[:-1] + f" (Figure {number})." if line.endswith(".") else line


def _missing_text(coverage: Coverage, lang: str) -> str:
    """The sentence naming the rates the store cannot measure and how to get them ("" when none)."""
    keys = list(dict.fromkeys(_MISSING[r] for r in RATES if not coverage.measures(r)))
    if not keys:
        return ""
    if lang == "zh":
        return "；".join(t(k, lang) for k in keys) + "。"
    text = "; ".join(t(k, lang) for k in keys) + "."
    return text[0].upper() + text[1:]


def _rates_line(ov: Overview, lang: str, coverage: Coverage = FULL_COVERAGE) -> str:
    now, before = ov.this_week, ov.last_week
    reached = int(now.get("cb_satisfied", 0) + now.get("cb_basically_satisfied", 0) + now.get("cb_unsatisfied", 0))
    shown = [r for r in RATES[:3] if coverage.measures(r)]
    missing = _missing_text(coverage, lang)
    if lang == "zh":
        parts = "，".join(f"{kpi_label(r)}{fm.pct(_num(now[r]))}" for r in shown)
        sat = ("" if not coverage.callbacks else f"满意率{fm.pct(_num(now['satisfaction_rate']))}（回访接通{reached}件）"
               if reached else "本周无接通的回访，满意率暂无法统计")
        body = "，".join(x for x in (parts, sat) if x)
        text = (f"本周{body}。" if body else "") + missing
        diffs = [(r, _num(now[r]) - _num(before[r])) for r in RATES
                 if coverage.measures(r) and _num(now.get(r)) is not None and _num(before.get(r)) is not None]
        if diffs:
            text += "与上周相比，" + "，".join(f"{kpi_label(r)}{fm.points(d)}" for r, d in diffs) + "。"
        return text
    parts = ", ".join(f"{kpi_label(r, 'en').lower()} {fm.pct(_num(now[r]))}" for r in shown)
    sat = ("" if not coverage.callbacks else
           f"satisfaction {fm.pct(_num(now['satisfaction_rate']))} ({reached:,} callbacks reached)" if reached
           else "no callback reached a caller, so there is no satisfaction rate")
    body = "; ".join(x for x in (parts, sat) if x)
    return " ".join(x for x in ((f"This week: {body}." if body else ""), missing) if x)


def _district_below(ov: Overview, judged: list[str], targets: str, lang: str) -> str:
    """The district as a whole against the targets, for an export that names no street."""
    low = [(kpi_label(r, lang), fm.pct(ov.this_week[r])) for r in judged
           if _num(ov.this_week.get(r)) is not None and ov.this_week[r] < TARGETS[r]]
    if lang == "zh":
        return f"对照目标（{targets}），" + ("全区" + "、".join(f"{k}{v}" for k, v in low) + "，低于目标。" if low
                                      else "全区各项指标均达到目标。")
    return ("Against the targets, the district's " + ", ".join(f"{k.lower()} ({v})" for k, v in low) + " fell short."
            if low else "Against the targets, the district met every target.")


def _streets_below(ov: Overview, judged: list[str], targets: str, lang: str,
                   english: dict[str, str]) -> tuple[str, dict]:
    """The streets below each target, named with their rates."""
    s = ov.by_street
    lines, below = [], {}
    for rate in judged:
        low = s[s[rate] < TARGETS[rate]].sort_values(rate)
        below[rate] = low["street"].tolist()
        if low.empty:
            continue
        shown = [fm.pct(v, 2 if round(v, 3) >= TARGETS[rate] else 1) for v in low[rate]]  # never "95.0%" < 95%
        names = ("、" if lang == "zh" else ", ").join(
            f"{street_label(x, lang, english)}（{p}）" if lang == "zh" else f"{street_label(x, lang, english)} ({p})"
            for x, p in zip(low["street"], shown))
        lines.append(f"{kpi_label(rate)}低于目标的有{len(low)}个镇街：{names}" if lang == "zh"
                     else f"{kpi_label(rate, 'en').lower()} was below target in {len(low)} streets: {names}")
    if lang == "zh":
        return f"对照目标（{targets}），" + ("；".join(lines) + "。" if lines else "各镇街均达到目标。"), below
    text = "Against the targets, " + ("; ".join(lines) + "." if lines else "every street met every target.")
    return text.replace("below target in 1 streets", "below target in 1 street"), below


def _below_target(ov: Overview, lang: str, english: dict[str, str], settled: bool = True,
                  coverage: Coverage = FULL_COVERAGE) -> tuple[str, dict]:
    """The rates against their targets: by street, or for the district when the export names no street."""
    judged = [r for r in RATES if coverage.measures(r) and (settled or r != "closure_rate")]
    if not judged:
        return ("本周暂无可与目标比较的指标。" if lang == "zh" else "No rate can be judged against its target this week."), {}
    targets = "、".join(f"{kpi_label(r)}{fm.pct(TARGETS[r], 0)}" for r in RATES if coverage.measures(r))
    text, below = (_streets_below(ov, judged, targets, lang, english) if coverage.streets
                   else (_district_below(ov, judged, targets, lang), {}))
    if not settled and coverage.closing_times:
        text += ("本周受理的工单多数仍在办理时限内，办结率暂不与目标比较。" if lang == "zh" else
                 " Most of this week's tickets are still within their time limits, so closure is not judged yet.")
    return text, below


def _rates_table(ov: Overview, lang: str, coverage: Coverage = FULL_COVERAGE) -> Table:
    zh = lang == "zh"
    cols = ["指标", "本周", "上周", "变化（百分点）", "目标", "完成情况"] if zh else ["Indicator", "This week",
                                                                       "Last week", "Change (points)", "Target",
                                                                       "Status"]
    rows = []
    for r in RATES:
        now, before = _num(ov.this_week.get(r)), _num(ov.last_week.get(r))
        if not coverage.measures(r):
            rows.append([kpi_label(r, lang), None, None, None, TARGETS[r], t("cov_not_recorded", lang)])
            continue
        status = "—" if now is None else (("达标" if zh else "met") if now >= TARGETS[r] else ("未达标" if zh else "below"))
        rows.append([kpi_label(r, lang), now, before, None if now is None or before is None else now - before,
                     TARGETS[r], status])
    frame = pd.DataFrame(rows, columns=cols)
    return Table("rates", "表3 三率完成情况" if zh else "Table 3 The rates against their targets", frame,
                 {cols[1]: "pct", cols[2]: "pct", cols[3]: "pt", cols[4]: "pct"})


def rates_section(ov: Overview, lang: str, english: dict[str, str], settled: bool = True,
                  coverage: Coverage = FULL_COVERAGE, figure_no: int = 2) -> tuple[Section, dict]:
    """二、三率 (response, closure and on-time, satisfaction) against the targets, with the streets below.

    Args:
        settled: the data reach a week past this week's end, so its tickets have had time to close; when
            not, closure is reported but not judged against its target.
        coverage: what the store records; a rate it cannot measure is named as missing, never shown as 0%.
        figure_no: the number of its figure (after section 1's figures).
    """
    target_text, below = _below_target(ov, lang, english, settled, coverage)
    paragraphs = (_rates_line(ov, lang, coverage), target_text)
    numbers = {r: _num(ov.this_week.get(r)) if coverage.measures(r) else None for r in RATES}
    numbers |= {f"{r}_last_week": _num(ov.last_week.get(r)) if coverage.measures(r) else None for r in RATES}
    numbers["callbacks_reached"] = int(sum(ov.this_week.get(c, 0) for c in
                                           ("cb_satisfied", "cb_basically_satisfied", "cb_unsatisfied")))
    numbers |= {f"below:{r}": len(v) for r, v in below.items()}
    measured = [r for r in RATES if coverage.measures(r)]  # none measured: no figure of 0% lines
    caption = (f"图{figure_no} 近12周三率走势" if lang == "zh" else f"Figure {figure_no} Rates by week, last 12 weeks")
    figures = (Figure("rates_trend", caption,
                      charts.rates_trend_chart(ov.trend.tail(12), lang, measured).to_dict()),) if measured else ()
    heading = "二、三率完成情况" if lang == "zh" else "2. Response, closure and satisfaction"
    return Section("rates", heading, paragraphs, figures, (_rates_table(ov, lang, coverage),)), numbers
