"""Sections 五、下周预测与力量建议 and 六、满意度分析."""
from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import pandas as pd

from civicdesk.briefing import formatting as fm
from civicdesk.briefing.model import Section, Table
from civicdesk.briefing.signals import week_forecast
from civicdesk.drivers import DRIVERS, NoCallbacksError, close_within, fit_store
from civicdesk.i18n import driver_label, street_label, t
from civicdesk.kpi import FULL_COVERAGE, Coverage
from civicdesk.staffing import (SimConfig, Targets, heavy_backlogs, load_calibration, load_staff, open_backlog, plan,
                                roster_on)
from civicdesk.staffing.plan import streets_short
from civicdesk.staffing.demand import demand_from_forecast
from civicdesk.staffing.inputs import load_history

Z95 = 1.959964
QUARTER_DAYS = 91
#: Callbacks the briefing's importance ranking is computed on (the app uses more; the ranking is stable).
BRIEFING_IMPORTANCE_ROWS = 4000
#: Weeks of recent tickets whose mix next week's simulated tickets copy.
TEMPLATE_WEEKS = 2


def weekly_totals(forecast: pd.DataFrame) -> pd.DataFrame:
    """Daily forecasts summed to the week per series: unique_id, mean, lo, hi (95%).

    The weekly interval adds the days' variances, each read off its daily 95% interval, so it is narrower
    than the sum of the daily bounds (which would assume every day is extreme together)."""
    model = next(c for c in forecast.columns if c not in ("unique_id", "ds") and "-" not in c)
    f = forecast.assign(sd=(forecast[f"{model}-hi-95"] - forecast[f"{model}-lo-95"]) / (2 * Z95))
    out = f.groupby("unique_id").agg(mean=(model, "sum"), var=("sd", lambda s: float((s ** 2).sum())))
    half = Z95 * out["var"] ** 0.5
    return pd.DataFrame({"mean": out["mean"], "lo": (out["mean"] - half).clip(lower=0), "hi": out["mean"] + half}
                        ).reset_index()


def _staffing(engine, forecast: pd.DataFrame, sunday: date, template: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Grid workers and mediators short per street on next week's forecast at its P90: today's roster checked
    street by street (`streets_short`), then the smallest roster (`plan`) only for the streets that fall short.
    `template`: the last TEMPLATE_WEEKS weeks of tickets, whose mix the simulated tickets copy."""
    model = next(c for c in forecast.columns if c not in ("unique_id", "ds") and "-" not in c)
    values = forecast[forecast["unique_id"] != "total"].rename(
        columns={model: "mean", f"{model}-hi-80": "hi-80", f"{model}-hi-95": "hi-95"})
    tickets = demand_from_forecast(engine, SimpleNamespace(by=("street",), values=values), quantile=0.9,
                                   template=template)
    calibration = load_calibration(store=engine)
    config = SimConfig(calibration=calibration) if calibration else SimConfig()
    roster, targets = roster_on(load_staff(engine), sunday), Targets()
    failing = streets_short(tickets, roster, targets, config)
    if not failing:
        return pd.DataFrame(columns=["street", "grid_workers_now", "grid_gap", "mediator_gap"]), calibration is not None
    result = plan(tickets[tickets["street"].isin(failing)], roster[roster["street"].isin(failing)], targets, config)
    return result.streets, calibration is not None


def _short_text(streets: pd.DataFrame, calibrated: bool, lang: str, english: dict[str, str]) -> str:
    short = streets[(streets["grid_gap"] > 0) | (streets["mediator_gap"] > 0)].sort_values("grid_gap", ascending=False)
    caveat = "" if calibrated else ("（模拟尚未按本中心历史校准，结果仅供参考）" if lang == "zh" else
                                    " (the simulation is not yet calibrated on this centre's history)")
    if short.empty:
        return ("按预测上限（P90）模拟，各镇街现有网格员和调解员力量已达到目标，或已接近增加人手所能达到的水平，"
                "下周暂无需增配。" + caveat if lang == "zh"
                else "At the forecast's P90, every street's grid workers and mediators already meet the targets or "
                "come as close as more people could; no street needs more next week." + caveat)
    parts = []
    for _, r in short.iterrows():
        name = street_label(r["street"], lang, english)
        need = []
        if r["grid_gap"] > 0:
            need.append(f"网格员{int(r['grid_gap'])}名（现有{int(r['grid_workers_now'])}名）" if lang == "zh"
                        else f"{int(r['grid_gap'])} more grid workers (now {int(r['grid_workers_now'])})")
        if r["mediator_gap"] > 0:
            need.append(f"调解员{int(r['mediator_gap'])}名" if lang == "zh" else f"{int(r['mediator_gap'])} more mediators")
        parts.append(f"{name}需增加{'、'.join(need)}" if lang == "zh" else f"{name} needs {' and '.join(need)}")
    if lang == "zh":
        return (f"按预测上限（P90）模拟，{len(short)}个镇街现有力量难以保证按时办结：{'；'.join(parts)}。"
                "建议从任务较轻的镇街统筹调配或安排加班。" + caveat)
    streets_word = "street cannot" if len(short) == 1 else "streets cannot"
    return f"At the forecast's P90, {len(short)} {streets_word} keep to the time limits: {'; '.join(parts)}." + caveat


def _backlog_text(backlog: pd.DataFrame, lang: str, english: dict[str, str]) -> str | None:
    """The streets whose open general tickets far exceed the usual (`open_backlog`), or None. The staffing
    check above simulates next week's new tickets from empty queues, so it does not cover them."""
    heavy, usual = heavy_backlogs(backlog)
    if heavy.empty:
        return None
    if lang == "zh":
        parts = [f"{street_label(r.street, lang, english)}未办结一般工单{int(r.open)}件，"
                 f"相当于{r.days:.1f}个工作日的派单量" for r in heavy.itertuples()]
        return (f"积压明显的镇街：{'；'.join(parts)}（各镇街中位数{usual:.1f}个工作日）。以上力量测算只计下周新增工单，"
                "消化积压还需另行安排人手或加班。")
    parts = [f"{street_label(r.street, lang, english)}: {int(r.open):,} general tickets open, "
             f"{r.days:.1f} working days of its dispatches" for r in heavy.itertuples()]
    return (f"Backlogs — {'; '.join(parts)} (median street {usual:.1f} days). The staffing figures above cover next "
            "week's new tickets only; clearing the backlog needs extra people or overtime.")


def _forecast_table(weekly: pd.DataFrame, lang: str, english: dict[str, str]) -> Table:
    zh = lang == "zh"
    cols = ["范围", "预测（件）", "95%区间下限", "95%区间上限"] if zh else ["Where", "Forecast", "95% low", "95% high"]
    order = pd.concat([weekly[weekly["unique_id"] == "total"],
                       weekly[weekly["unique_id"] != "total"].sort_values("mean", ascending=False)])
    frame = pd.DataFrame({cols[0]: [("全区" if zh else "District") if u == "total" else street_label(u, lang, english)
                                    for u in order["unique_id"]],
                          cols[1]: order["mean"].round(0), cols[2]: order["lo"].round(0), cols[3]: order["hi"].round(0)})
    return Table("forecast", "表6 下周受理量预测" if zh else "Table 6 Next week's forecast", frame,
                 {c: "int" for c in cols[1:]})


def outlook_section(engine, sunday: date, received: int, lang: str, english: dict[str, str],
                    coverage: Coverage = FULL_COVERAGE) -> tuple[Section, dict]:
    """五、下周预测与力量建议 (without a roster in the store, the forecast and a sentence on how to load it)."""
    forecast = week_forecast(engine, sunday, levels=(80, 95))
    weekly = weekly_totals(forecast)
    total = weekly[weekly["unique_id"] == "total"].iloc[0]
    nxt = sunday + timedelta(days=1)
    change = total["mean"] / received - 1.0 if received else None
    if lang == "zh":
        first = (f"预计下周（{fm.chinese_date(nxt, False)}至{fm.chinese_date(nxt + timedelta(days=6), False)}）受理工单"
                 f"{int(round(total['mean']))}件左右（95%区间{int(round(total['lo']))}—{int(round(total['hi']))}件）"
                 + (f"，较本周{fm.change(change)}。" if change is not None else "。"))
    else:
        first = (f"Next week ({nxt:%d %b} – {nxt + timedelta(days=6):%d %b}) about {total['mean']:,.0f} tickets are "
                 f"expected (95% interval {total['lo']:,.0f}–{total['hi']:,.0f}).")
    numbers = {"forecast_next_week": float(total["mean"]), "forecast_lo": float(total["lo"]),
               "forecast_hi": float(total["hi"]), "streets_short": None}
    heading = "五、下周预测与力量建议" if lang == "zh" else "5. Next week: forecast and staffing"
    if not coverage.roster:
        return Section("outlook", heading, (first, t("cov_no_roster", lang)), (),
                       (_forecast_table(weekly, lang, english),)), numbers
    template = load_history(engine, nxt - timedelta(weeks=TEMPLATE_WEEKS), sunday)
    streets, calibrated = _staffing(engine, forecast, sunday, template)
    backlog = _backlog_text(open_backlog(engine, sunday, template, weeks=TEMPLATE_WEEKS), lang, english)
    numbers["streets_short"] = int(((streets["grid_gap"] > 0) | (streets["mediator_gap"] > 0)).sum())
    text = (first, _short_text(streets, calibrated, lang, english)) + ((backlog,) if backlog else ())
    return Section("outlook", heading, text, (), (_forecast_table(weekly, lang, english),)), numbers


def _about(change: float, lang: str) -> str:
    """A what-if's change of rate as an estimate: "提高约1.2个百分点" / "go up by about 1.2 points"."""
    size = abs(change) * 100
    if size < 0.05:
        return "基本不变" if lang == "zh" else "stay about the same"
    if lang == "zh":
        return f"{'提高' if change > 0 else '降低'}约{size:.1f}个百分点"
    return f"{'go up' if change > 0 else 'go down'} by about {size:.1f} points"


def _importance_text(model, change, lang: str) -> str:
    """What matters most among the drivers a centre can act on; `change`: the 3-working-day what-if, or None
    when the model has no closing-time driver."""
    imp = model.importance[model.importance["term"].isin(DRIVERS)].head(3)
    if imp.empty:
        return t("cov_sat_no_levers", lang).format(n=model.nobs)
    effects = model.marginal_effects.set_index("column")["effect"]
    top = imp.iloc[0]["term"]
    if lang == "zh":
        rest = "、".join(driver_label(t_).split("（")[0] for t_ in imp["term"].iloc[1:])
        text = (f"对本季度{model.nobs}次接通回访的分析显示，与满意率关联最强的因素是{driver_label(top).split('（')[0]}（占模型解释力的"
                f"{fm.pct(imp.iloc[0]['share'], 0)}），相关工单满意率平均{'低' if effects[top] < 0 else '高'}"
                f"{abs(effects[top]) * 100:.1f}个百分点" + (f"；其次是{rest}。" if rest else "。"))
        if change is not None:
            text += (f"按模型估计，若一般工单均能在3个工作日内办结，满意率可能{_about(change.change, lang)}"
                     f"（95%区间{change.change_ci_low * 100:.1f}—{change.change_ci_high * 100:.1f}个百分点；"
                     "基于历史数据的关联分析，不代表因果）。")
        return text
    rest = ", ".join(driver_label(t_, "en").split(" (")[0].lower() for t_ in imp["term"].iloc[1:])
    text = (f"Across {model.nobs:,} callbacks this quarter, {driver_label(top, 'en').split(' (')[0].lower()} matters most "
            f"({fm.pct(imp.iloc[0]['share'], 0)} of what the model explains; {effects[top] * 100:+.1f} points)"
            + (f", then {rest}." if rest else "."))
    if change is not None:
        text += (f" By the model's estimate, if every general ticket were closed within 3 working days, satisfaction "
                 f"might {_about(change.change, lang)} (95% interval {change.change_ci_low * 100:+.1f} to "
                 f"{change.change_ci_high * 100:+.1f} points; an association in past data, not a proven cause).")
    return text


def _left_out(dropped: tuple[str, ...], lang: str) -> str | None:
    """The sentence naming the actionable drivers the data do not record, or None."""
    names = [driver_label(d, lang).split("（" if lang == "zh" else " (")[0] for d in dropped if d in DRIVERS]
    names = names if lang == "zh" else [n.lower() for n in names]
    if not names:
        return None
    return t("cov_sat_left_out", lang).format(names=("、" if lang == "zh" else ", ").join(names))


def satisfaction_section(engine, sunday: date, lang: str, coverage: Coverage = FULL_COVERAGE) -> tuple[Section, dict]:
    """六、满意度分析: what the driver model says matters most this quarter, in two sentences; on a store
    without callbacks, how to load them; drivers the store does not record are left out and named."""
    heading = "六、满意度分析" if lang == "zh" else "6. What drives satisfaction"
    if not coverage.callbacks:
        return Section("satisfaction", heading, (t("cov_sat_no_callbacks", lang),)), {"driver_callbacks": 0}
    try:
        model = fit_store(engine, sunday - timedelta(days=QUARTER_DAYS - 1), sunday,
                          importance=BRIEFING_IMPORTANCE_ROWS)
    except ValueError as exc:  # NoCallbacksError too: none reached this quarter, or too few to fit
        text = ("本季度接通的回访过少，暂不能可靠分析满意度的影响因素。" if lang == "zh" else
                "Too few callbacks reached callers this quarter to analyse what drives satisfaction.")
        return Section("satisfaction", heading, (text,)), {"driver_callbacks": 0 if isinstance(exc, NoCallbacksError)
                                                          else None}
    closes = any(d in model.formula for d in ("working_days_to_close", "closed_on_time"))
    change = model.what_if(close_within(model.data, 3)) if closes else None
    numbers = {"driver_callbacks": model.nobs, "what_if_close_3wd": change.change if change else None,
               "top_driver_share": float(model.importance.iloc[0]["share"]) if len(model.importance) else math.nan}
    text = (_importance_text(model, change, lang),) + tuple(x for x in (_left_out(model.left_out, lang),) if x)
    return Section("satisfaction", heading, text), numbers
