"""Sections 三、预警与热点 and 四、重点问题清单: early warnings, hot topics and the key-problem list."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from civicdesk import codes, store
from civicdesk.briefing import formatting as fm
from civicdesk.briefing.model import Section, Table
from civicdesk.drivers import DISTRICT, hot_topics, key_problems
from civicdesk.forecast import CountRegression, Forecaster, SeasonalNaive
from civicdesk.forecast.early_warning import early_warnings
from civicdesk.i18n import category_label, street_label
from civicdesk.privacy import mask

HISTORY_DAYS = 548  # a year and a half of daily counts for the weekly forecasts
HOT_LINES = 6
#: History the count regression needs before its yearly terms can be trusted.
MIN_REGRESSION_DAYS = 400
KEY_ROWS = 10


def week_forecast(engine, last_day: date, h: int = 7, levels: tuple[int, ...] = (95,)) -> pd.DataFrame:
    """Daily forecasts (district "total" and each street) for the `h` days after `last_day`, from the
    counts up to `last_day` only: unique_id, ds, the model's mean and its -lo-/-hi- bounds at `levels`.

    The count regression (weekday, holidays, yearly terms) needs more than a year of history to place
    the yearly terms; with less, a same-weekday-last-week forecast is used instead.
    """
    span = store.data_span(engine)
    start = max(last_day - timedelta(days=HISTORY_DAYS), span[0])  # counts come zero-filled from `start`
    series = pd.concat([store.daily_counts(engine, by=(), start=start, end=last_day),
                        store.daily_counts(engine, by=("street",), start=start, end=last_day)], ignore_index=True)
    days = (pd.Timestamp(last_day) - pd.to_datetime(series["ds"]).min()).days + 1
    model = CountRegression() if days >= MIN_REGRESSION_DAYS else SeasonalNaive()
    return Forecaster([model], n_jobs=1).forecast(series, h=h, level=list(levels))  # loky start-up costs more


def _series_name(uid: str, lang: str, english: dict[str, str]) -> str:
    if uid == "total":
        return "全区" if lang == "zh" else "District"
    return street_label(uid, lang, english)


def warnings_found(engine, monday: date) -> pd.DataFrame:
    """The week's district and street totals outside the 95% interval of a forecast made the Sunday before."""
    forecast = week_forecast(engine, monday - timedelta(days=1))
    sunday = monday + timedelta(days=6)
    actual = pd.concat([store.daily_counts(engine, by=(), start=monday, end=sunday),
                        store.daily_counts(engine, by=("street",), start=monday, end=sunday)], ignore_index=True)
    model = next(c for c in forecast.columns if c not in ("unique_id", "ds") and "-" not in c)
    return early_warnings(actual, forecast, model=model, freq="W")


def _warning_text(found: pd.DataFrame, lang: str, english: dict[str, str]) -> str:
    if found.empty:
        return ("按上周末所作预测，本周全区及各镇街受理量均在预测区间（95%）之内，未触发预警。" if lang == "zh" else
                "Every street's and the district's tickets stayed within the 95% interval of last Sunday's forecast.")
    parts = []
    for _, w in found.iterrows():
        name = _series_name(w["unique_id"], lang, english)
        if lang == "zh":
            side = f"高于预测上限{int(round(w['hi']))}件" if w["direction"] == "above" else f"低于预测下限{int(round(w['lo']))}件"
            parts.append(f"{name}受理{int(w['y'])}件，{side}")
        else:
            side = f"above the upper bound {w['hi']:.0f}" if w["direction"] == "above" else f"below the lower bound {w['lo']:.0f}"
            parts.append(f"{name} {int(w['y']):,}, {side}")
    if lang == "zh":
        return f"按上周末所作预测（95%区间），本周有{len(found)}处受理量超出预测区间：{'；'.join(parts)}。"
    return f"Against last Sunday's forecast (95% interval), {len(found)} series fell outside: {'; '.join(parts)}."


def _hot_lines(hot, lang: str, redact: bool = False) -> pd.DataFrame:
    terms = hot.terms[hot.terms["level"].isin(["district", "street"])]
    terms = terms.sort_values("score", ascending=False).drop_duplicates("term").head(HOT_LINES)
    ids = hot.examples.groupby(["level", "group", "term"])["description"].first().rename("example")
    out = terms.join(ids, on=["level", "group", "term"])
    if redact:
        out["example"] = out["example"].map(mask)
    return out


def _hot_text(lines: pd.DataFrame, lang: str, english: dict[str, str]) -> str:
    if lines.empty:
        return "本周未发现受理量明显上升的热点问题。" if lang == "zh" else "No topic rose markedly this week."
    parts = []
    for _, r in lines.iterrows():
        where = ("全区" if lang == "zh" else "district-wide") if r["group"] == DISTRICT else street_label(r["group"], lang, english)
        parts.append(f"“{r['term']}”（{where}，本周{int(r['count'])}件，前四周周均{r['baseline_mean']:.1f}件）"
                     if lang == "zh" else f"“{r['term']}” ({where}: {int(r['count'])} this week against "
                     f"{r['baseline_mean']:.1f} a week before)")
    return ("本周热点：" + "；".join(parts) + "。") if lang == "zh" else "Hot topics: " + "; ".join(parts) + "."


def _signals_table(found: pd.DataFrame, lines: pd.DataFrame, lang: str, english: dict[str, str]) -> Table:
    zh = lang == "zh"
    cols = ["类型", "范围", "内容", "本周（件）", "对照（件）", "说明"] if zh else ["Kind", "Where", "What", "This week",
                                                                         "Reference", "Note"]
    rows = [["预警" if zh else "Warning", _series_name(w["unique_id"], lang, english), "受理量" if zh else "Tickets",
             int(w["y"]), float(w["expected"]), f"{w['lo']:.0f}–{w['hi']:.0f}"] for _, w in found.iterrows()]
    rows += [["热点" if zh else "Hot topic", ("全区" if zh else "District") if r["group"] == DISTRICT
              else street_label(r["group"], lang, english), r["term"], int(r["count"]), float(r["baseline_mean"]),
              r["example"] or ""] for _, r in lines.iterrows()]
    frame = pd.DataFrame(rows, columns=cols)
    note = ("预警的对照为预测值（说明栏为95%区间）；热点的对照为前四周周均件数，说明栏为示例工单。" if zh else
            "Warnings compare with the forecast (note: its 95% interval); hot topics with the weekly mean of the "
            "four weeks before (note: an example ticket).")
    return Table("warnings_hot", "表4 预警与热点" if zh else "Table 4 Warnings and hot topics", frame,
                 {cols[3]: "int", cols[4]: "float1"}, note)


def signals_section(engine, monday: date, lang: str, english: dict[str, str],
                    redact: bool = False) -> tuple[Section, dict]:
    """三、预警与热点 (`redact`: example tickets' words masked for wide circulation)."""
    found = warnings_found(engine, monday)
    try:
        hot = hot_topics(engine, monday)
        lines = _hot_lines(hot, lang, redact)
    except ValueError:  # no weeks before this one to compare with
        lines = pd.DataFrame(columns=["level", "group", "term", "count", "baseline_mean", "score", "example"])
    paragraphs = (_warning_text(found, lang, english), _hot_text(lines, lang, english))
    numbers = {"warnings": len(found), "hot_topics": len(lines)}
    heading = "三、预警与热点" if lang == "zh" else "3. Early warnings and hot topics"
    return Section("signals", heading, paragraphs, (), (_signals_table(found, lines, lang, english),)), numbers


def _key_table(entries: pd.DataFrame, lang: str, english: dict[str, str]) -> Table:
    zh = lang == "zh"
    cols = ["序号", "类型", "对象", "镇街", "问题", "30天内联系（次）", "最近联系", "最近回访", "未办结（件）"] if zh else [
        "No.", "Kind", "Who / where", "Street", "Problem", "Contacts in 30 days", "Last contact", "Last callback",
        "Open"]
    kind = {"caller": "来电人" if zh else "Caller", "place": "地点" if zh else "Place"}
    frame = pd.DataFrame({
        cols[0]: entries["rank"], cols[1]: entries["kind"].map(kind), cols[2]: entries["label"],
        cols[3]: [street_label(s, lang, english) for s in entries["street"]],
        cols[4]: [f"{category_label(c, lang, english)}·{s}" if isinstance(s, str) else category_label(c, lang, english)
                  for c, s in zip(entries["category"], entries["subcategory"])],
        cols[5]: entries["contacts"], cols[6]: pd.to_datetime(entries["last_contact"]).dt.strftime("%Y-%m-%d"),
        cols[7]: [codes.label(codes.CALLBACK_RESULTS, c, lang) if isinstance(c, str) else "—"
                  for c in entries["last_callback"]],
        cols[8]: entries["open_tickets"]})
    return Table("key_problems", "表5 重点问题清单（前10项）" if zh else "Table 5 Key problems (top 10)", frame,
                 {cols[0]: "int", cols[5]: "int", cols[8]: "int"})


def key_section(engine, sunday: date, lang: str, english: dict[str, str]) -> tuple[Section, dict]:
    """四、重点问题清单: callers and places with 3+ contacts in 30 days, for the weekly consultation."""
    kp = key_problems(engine, sunday, history_days=31)  # the list only: no long contact histories
    e = kp.entries
    heading = "四、重点问题清单" if lang == "zh" else "4. Key problems for the consultation"
    if e.empty:
        text = ("截至本周末，没有同一来电人或同一地点在30天内反映3次及以上的问题。" if lang == "zh" else
                "No caller or place contacted the centre three times or more within 30 days.")
        return Section("key_problems", heading, (text,)), {"key_problems": 0}
    callers, unsat = int((e["kind"] == "caller").sum()), int(e["last_unsatisfied"].sum())
    top = e.head(KEY_ROWS)
    first = top.iloc[0]
    if lang == "zh":
        text = (f"截至{fm.chinese_date(sunday, False)}，近30天内同一来电人或同一地点反映同类问题3次及以上的共{len(e)}项"
                f"（来电人{callers}个、地点{len(e) - callers}处），其中{unsat}项最近一次回访不满意。排在首位的是"
                f"{first['label']}（{street_label(first['street'], lang)}），30天内联系{int(first['contacts'])}次。"
                f"建议将下表所列前{len(top)}项提交本周联席会商，逐项明确责任单位和办结时限。")
    else:
        text = (f"As of {sunday:%d %b}, {len(e)} callers or places contacted the centre three times or more within "
                f"30 days ({callers} callers, {len(e) - callers} places); {unsat} had an unsatisfied last callback. "
                f"The table lists the top {len(top)} for this week's consultation.")
    return Section("key_problems", heading, (text,), (), (_key_table(top, lang, english),)), {
        "key_problems": len(e), "key_problem_callers": callers}
