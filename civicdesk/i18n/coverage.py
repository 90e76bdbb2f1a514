"""Strings saying what a centre's data do not record (and how to load it), and how a long taxonomy is
shortened; merged into `civicdesk.i18n.STRINGS`. Placeholders are filled with `str.format`."""
from __future__ import annotations

COVERAGE_STRINGS: dict[str, tuple[str, str]] = {
    "cov_no_signing": ("数据中没有签收时间，响应率无法统计（导入时映射“签收时间”列即可统计）",
                       "the data hold no signing times, so there is no response rate (map a signing-time column "
                       "when importing)"),
    "cov_no_closing": ("数据中没有办结时间，办结率和按时办结率无法统计（导入时映射“办结时间”列即可统计）",
                       "the data hold no closing times, so there are no closure rates (map a closing-time column "
                       "when importing)"),
    "cov_no_callbacks": ("数据中没有回访结果，满意率无法统计（可在“数据”页导入回访记录）",
                         "the data hold no callback results, so there is no satisfaction rate (import the callback "
                         "records in the Data view)"),
    "cov_no_channel": ("数据未记录来源渠道，暂无法按渠道统计", "the data do not record the channel, so there is no "
                       "breakdown by channel"),
    "cov_no_roster": ("尚未导入人员名册，无法测算下周所需的网格员和调解员；在“数据”页导入人员名册后即可测算。",
                      "No staff roster is loaded, so next week's grid workers and mediators cannot be planned; load "
                      "the roster in the Data view."),
    "cov_no_street": ("数据未记录所属镇街，暂无法按镇街统计。", "The data do not record the street, so there is no "
                      "breakdown by street."),
    "cov_not_recorded": ("未记录", "not recorded"),
    "cov_tail_row": ("其余{n}类（合并）", "{n} other categories (merged)"),
    "cov_tail_note": ("表中列出受理量居前{top}位的类别，其余{n}类合并为一行。",
                      "The table lists the {top} largest categories; the other {n} are merged into one row."),
    "cov_sat_no_callbacks": ("数据中没有回访结果，暂不能分析满意度的影响因素；在“数据”页导入回访记录后即可分析。",
                             "The data hold no callback results, so what drives satisfaction cannot be analysed; "
                             "import the callback records in the Data view."),
    "cov_sat_left_out": ("数据未记录或未变化的因素（{names}）未纳入分析。",
                         "Drivers the data do not record or that never vary ({names}) are left out."),
    "cov_sat_no_levers": ("本季度{n}次接通回访中，办结时长、签收时长等中心可改进的因素均无记录，暂不能给出改进建议。",
                          "Among this quarter's {n:,} reached callbacks no driver the centre can act on (time to "
                          "close, time to sign, …) is recorded, so there is no advice to give."),
    "cov_lumped_rare": ("少见类别（合并）", "Rare categories (merged)"),
    "cov_lumped_tail": ("其余类别（合并）", "Other categories (merged)"),
}
