"""The compared figures (`civicdesk.compare.Comparison`) as an Excel workbook, headers in Chinese or English."""
from __future__ import annotations

import pandas as pd

from civicdesk.compare import QUANTILES, RATES, Comparison
from civicdesk.excel import to_excel_bytes
from civicdesk.i18n import category_label, kpi_label, street_label, t


def _headers(lang: str) -> dict[str, str]:
    return {"side": t("cmp_side", lang), "category": t("category", lang), "received": t("received", lang),
            "share": t("share", lang), "n": t("cmp_n", lang), **{q: t(f"cmp_{q}", lang) for q in QUANTILES},
            "week_index": t("cmp_week_index", lang), "week": t("cmp_week_start", lang),
            "callbacks_reached": t("cmp_callbacks", lang), "callbacks": t("cmp_callbacks", lang),
            "satisfied": t("cmp_satisfied", lang), "rate": kpi_label("satisfaction_rate", lang),
            "low": t("cmp_low", lang), "high": t("cmp_high", lang), "streets": t("streets", lang),
            "categories": t("categories", lang), "start": t("cmp_first_day", lang), "end": t("cmp_last_day", lang),
            **{k: kpi_label(k, lang) for k in RATES}}


def comparison_sheets(comparison: Comparison, lang: str = "zh",
                      english: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets (name → frame, headers translated): the sides, the totals, the category mix, the
    days to close, the weekly figures and the satisfaction rate. Rates stay fractions (0.953), days floats."""
    sep = "、" if lang == "zh" else ", "
    every = t("cmp_district", lang)
    sides = pd.DataFrame([{
        "side": s.side.label,
        "streets": sep.join(street_label(x, lang, english) for x in s.side.streets) or every,
        "start": s.side.start, "end": s.side.end,
        "categories": sep.join(category_label(c, lang, english) for c in s.side.categories) or t("all", lang),
    } for s in comparison.sides])
    named = lambda frame: frame.assign(category=frame["category"].map(  # noqa: E731
        lambda c: category_label(c, lang, english)))
    weekly = comparison.weekly_frame()
    weekly["week_index"] = weekly["week_index"] + 1  # "week 1" is the period's first
    weekly["week"] = weekly["week"].dt.date
    frames = {"cmp_sheet_sides": sides, "cmp_sheet_totals": comparison.totals_frame(),
              "cmp_sheet_mix": named(comparison.mix_frame()),
              "cmp_sheet_close": named(comparison.close_quantiles_frame()),
              "cmp_sheet_weekly": weekly, "cmp_sheet_sat": comparison.satisfaction_frame()}
    headers = _headers(lang)
    return {t(key, lang): frame.rename(columns=headers) for key, frame in frames.items()}


def comparison_workbook(comparison: Comparison, lang: str = "zh", english: dict[str, str] | None = None) -> bytes:
    """An .xlsx workbook (bytes) of the compared figures (`comparison_sheets`), through `civicdesk.excel`.

    Args:
        comparison: from `civicdesk.compare.compare`.
        lang: "zh" or "en": the sheet names, headers and category and street names.
        english: stored name → English name of streets and categories (`civicdesk.store.queries.english_names`).
    """
    return to_excel_bytes(comparison_sheets(comparison, lang, english))
