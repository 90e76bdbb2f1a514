"""Downloadable templates for reference and callback files, in Chinese and English, as CSV or XLSX bytes.

    template("roster", "zh", "xlsx")      # header row and one example row; a notes sheet in xlsx
    template_name("roster", "zh", "xlsx") # "roster-template-zh.xlsx"

A template imports as it is: its example row is a valid row of its kind (the grids, roster and callback
examples refer to the streets example's street, the grids example's grid and a ticket of that id).
"""
from __future__ import annotations

import pandas as pd

from civicdesk import codes
from civicdesk.excel import to_csv_bytes, to_excel_bytes
from civicdesk.ingest.refspec import FIELDS, check_kind
from civicdesk.store.categories import HANDLINGS

FORMATS = ("csv", "xlsx")
_SQUARE = ('{"type":"Polygon","coordinates":[[[117.52,36.70],[117.56,36.70],[117.56,36.74],'
           '[117.52,36.74],[117.52,36.70]]]}')
#: One example row per kind and language, in the order of `refspec.FIELDS`.
EXAMPLES: dict[str, dict[str, tuple[str, ...]]] = {
    "streets": {"zh": ("明水街道", "mingshui", "Mingshui Subdistrict", "街道", "38000", _SQUARE),
                "en": ("Riverside", "riverside", "Riverside", "Subdistrict", "12000", _SQUARE)},
    "grids": {"zh": ("明水-001", "明水街道", "第一网格", "东城社区", "420"),
              "en": ("RS-001", "Riverside", "Grid 1", "Elm Court", "420")},
    "roster": {"zh": ("S0001", "张伟", "网格员", "明水街道", "明水-001", "", "2023-01-01", ""),
               "en": ("S0001", "Alex Chen", "Grid worker", "Riverside", "RS-001", "", "2023-01-01", "")},
    "categories": {"zh": ("城乡建设", "物业管理", "供暖", "Urban and rural construction", "一般事项"),
                   "en": ("Housing", "Repairs", "Heating", "Housing", "Ordinary")},
    "callbacks": {"zh": ("GD20230210001", "2023-02-12 10:30:00", "满意", ""),
                  "en": ("SR-0001", "2023-02-12 10:30:00", "Satisfied", "")},
}
_SHEETS = {"streets": ("镇街", "Streets"), "grids": ("网格", "Grids"), "roster": ("人员名册", "Roster"),
           "categories": ("分类", "Categories"), "callbacks": ("回访记录", "Callbacks")}
_NOTES = {"column": ("列名", "Column"), "required": ("必填", "Required"), "values": ("填写说明", "What to write"),
          "yes": ("是", "yes"), "no": ("否", "no"), "sheet": ("填写说明", "Notes")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _labels(table: dict[str, tuple[str, str]], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(_pick(pair, lang) for pair in table.values())


def _value_notes(lang: str) -> dict[str, str]:
    """What each coded or formatted field accepts, in `lang`."""
    zh = lang == "zh"
    return {
        "kind": "街道、镇或乡" if zh else "Subdistrict, Town or Township",
        "households": "整数" if zh else "a whole number",
        "boundary": "GeoJSON（Polygon 或 MultiPolygon，经纬度）" if zh else
                    "GeoJSON (Polygon or MultiPolygon, longitude and latitude)",
        "street": "镇街名称或编码（须已在镇街表中）" if zh else "street name or code (already in the streets table)",
        "role": _labels(codes.STAFF_ROLES, lang),
        "tier": _labels(codes.MEDIATOR_TIERS, lang) + ("（调解员填写）" if zh else " (mediators)"),
        "grid_id": "网格编号（须已在网格表中）" if zh else "grid id (already in the grids table)",
        "active_from": "日期，如 2023-01-01" if zh else "a date such as 2023-01-01",
        "active_to": "日期；在岗留空" if zh else "a date; blank while in post",
        "handling": _labels(HANDLINGS, lang),
        "callback_at": "日期时间，如 2023-02-12 10:30:00" if zh else "date and time, e.g. 2023-02-12 10:30:00",
        "callback_result": _labels(codes.CALLBACK_RESULTS, lang),
        "ticket_id": "平台工单编号" if zh else "the ticket's id on the platform",
        "source": "数据来源名称（可留空）" if zh else "the source system's name (may be blank)",
    }


def template_frame(kind: str, lang: str = "zh") -> pd.DataFrame:
    """The template of `kind` as a DataFrame: headers in `lang` ("zh" or "en") and one example row."""
    check_kind(kind)
    lang = "zh" if lang == "zh" else "en"
    headers = [spec.zh if lang == "zh" else spec.en for spec in FIELDS[kind]]
    return pd.DataFrame([list(EXAMPLES[kind][lang])], columns=headers)


def notes_frame(kind: str, lang: str = "zh") -> pd.DataFrame:
    """One row per column of the template: its header, whether it is required and what it accepts."""
    values = _value_notes(lang)
    rows = [(spec.zh if lang == "zh" else spec.en, _pick(_NOTES["yes" if spec.required else "no"], lang),
             values.get(spec.name, "")) for spec in FIELDS[check_kind(kind)]]
    return pd.DataFrame(rows, columns=[_pick(_NOTES[k], lang) for k in ("column", "required", "values")])


def template(kind: str, lang: str = "zh", fmt: str = "xlsx") -> bytes:
    """A template file's bytes: CSV (UTF-8 with BOM) or XLSX (the template sheet, then a notes sheet).

    Raises:
        ValueError: unknown kind or format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown template format '{fmt}'; formats are {', '.join(FORMATS)}.")
    frame = template_frame(kind, lang)
    if fmt == "csv":
        return to_csv_bytes(frame)
    return to_excel_bytes({_pick(_SHEETS[kind], lang): frame, _pick(_NOTES["sheet"], lang): notes_frame(kind, lang)})


def template_name(kind: str, lang: str = "zh", fmt: str = "xlsx") -> str:
    """The file name a template is offered under, e.g. "roster-template-zh.xlsx"."""
    return f"{check_kind(kind)}-template-{'zh' if lang == 'zh' else 'en'}.{fmt}"
