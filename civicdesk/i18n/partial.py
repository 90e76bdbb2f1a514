"""UI strings of the views on a partial store (a centre's own exports: no roster, no callbacks, no channel,
no closing times, a short history), and of library errors said in the user's language; merged into
`civicdesk.i18n.STRINGS`. Placeholders are filled with `str.format`."""
from __future__ import annotations

PARTIAL_STRINGS: dict[str, tuple[str, str]] = {
    # what is missing, and how to load it
    "pt_no_roster": ("本数据库还没有人员名册（网格员、调解员），无法模拟人员配置。请在“数据导入 → 参考数据与回访 → 人员名册”上传名册"
                     "（可下载模板），或在服务器命令行运行 `civicdesk import-reference roster 文件路径`。",
                     "This store has no staff roster yet (grid workers, mediators), so staffing cannot be simulated. "
                     "Upload the roster under Data → Reference data & callbacks → Staff roster (a template is there to download), or run "
                     "`civicdesk import-reference roster FILE` on the server."),
    "pt_no_callbacks": ("本数据库还没有回访结果，无法计算满意率，也无法分析满意度的影响因素。请在“数据导入 → 参考数据与回访 → 回访记录”"
                        "上传回访结果（工单编号、回访时间、回访结果），或在服务器命令行运行 "
                        "`civicdesk import-reference callbacks 文件路径`。",
                        "This store holds no callback results yet, so there is no satisfaction rate and nothing to "
                        "analyse. Upload them under Data → Reference data & callbacks → Callback results (ticket id, callback time, result), or run "
                        "`civicdesk import-reference callbacks FILE` on the server."),
    "pt_no_callbacks_period": ("所选时段没有接通的回访，无法分析满意度。请选择更长的时段。",
                               "No callback reached a caller in this period, so there is nothing to analyse. Choose "
                               "a longer period."),
    "pt_sat_cannot_fit": ("所选时段的回访不足以分析满意度的影响因素（例如回访结果全部相同，或可用的因素没有变化）。"
                          "请选择更长的时段。",
                          "The callbacks of this period cannot show what drives satisfaction (for instance every "
                          "result is the same, or no driver varies). Choose a longer period."),
    "pt_no_closing": ("导入的工单没有办结时间，办结率和按时办结率无法统计。导入时把导出文件的“办结时间”列映射到"
                      "“办结时间”字段即可统计。",
                      "The imported tickets have no closing times, so there are no closure rates. Map the export's "
                      "closing-time column to the “Closed at” field when importing."),
    "pt_no_signing": ("导入的工单没有签收时间，响应率无法统计。导入时映射“签收时间”列即可统计。",
                      "The imported tickets have no signing times, so there is no response rate. Map a signing-time "
                      "column when importing."),
    "pt_no_channel": ("导入的工单没有来源渠道，渠道分布无法显示。导入时映射“渠道”列即可显示。",
                      "The imported tickets record no channel, so there is no breakdown by channel. Map a channel "
                      "column when importing."),
    "pt_no_street": ("导入的工单没有镇街信息，无法按镇街统计。导入时映射“镇街”列，或在“数据导入 → 参考数据与回访 → 镇街”上传镇街表。",
                     "The imported tickets name no street, so there is no breakdown by street. Map a street column "
                     "when importing, or upload the streets under Data → Reference data & callbacks → Streets."),
    "pt_ov_missing": ("本库的工单未记录：{items}，相应指标显示为“—”。导入方法见“数据导入”页。",
                      "The store's tickets do not record {items}, so the matching figures show “—”. The Data view "
                      "says how to load them."),
    "pt_item_street": ("镇街", "the street"),
    "pt_item_channel": ("来源渠道", "the channel"),
    "pt_item_signing": ("签收时间（响应率）", "signing times (response rate)"),
    "pt_item_closing": ("办结时间（办结率、按时办结率）", "closing times (closure and on-time rates)"),
    "pt_item_callbacks": ("回访结果（满意率）", "callback results (satisfaction rate)"),
    "pt_not_recorded": ("本库的工单未记录计算这一指标所需的数据。", "The store's tickets do not record what this "
                        "figure needs."),
    "pt_short_history": ("数据只有 {days} 天，至少需要 {need} 天才能作出预测。请导入更长时段的工单。",
                         "The data cover only {days} days; a forecast needs at least {need}. Import a longer period "
                         "of tickets."),
    "pt_scenario_example": ("例如：寒潮，供暖诉求上升四成", "e.g. Cold snap: heating complaints up 40%"),
    "pt_scenario_invalid": ("情景设置有误（例如结束日期早于开始日期），请检查后重试。",
                            "The scenario is not valid (for instance it ends before it starts); check it and try "
                            "again."),
    "pt_no_week_tickets": ("所选周没有工单，请选择其他周。", "The chosen week holds no tickets; choose another week."),
    "pt_hot_no_baseline": ("所选周之前的{weeks}周没有工单，无法比较热点词的升降。请选择更晚的一周，或导入更早的工单。",
                           "The {weeks} weeks before the chosen week hold no tickets, so there is nothing to compare "
                           "its terms with. Choose a later week, or import earlier tickets."),
    "pt_kp_outside": ("所选日期不在数据的时间范围内（{start} 至 {end}），请重新选择。",
                      "The chosen day is outside the data ({start} to {end}); choose another day."),
    "pt_failed": ("这一部分暂时无法生成，原始错误已记入日志，请联系系统管理员。",
                  "This part could not be produced; the original error was logged for the administrator."),
    "pt_forecast_failed": ("预测未能完成：数据可能过短或过于稀疏。原始错误已记入日志。",
                           "The forecast could not be made: the data may be too short or too sparse. The original "
                           "error was logged."),
    # the driver model's warnings (`civicdesk.drivers.ModelWarning` keys; {term} is a driver's label)
    "pt_w_few": ("回访结果中较少的一类只有{n}条，而模型有{p}个参数，估计不稳定；请减少因素或选择更长的时段。",
                 "Only {n} callbacks have the rarer outcome for {p} parameters (fewer than {min} per parameter): "
                 "estimates are unstable; use fewer drivers or a longer period."),
    "pt_w_separates": ("因素“{term}”几乎完全区分了满意与不满意的回访，其估计值实际上不可靠；可合并其少见取值或不纳入该因素。",
                       "The driver {term} (quasi-)separates satisfied from unsatisfied callbacks: its estimate is not "
                       "reliable; merge its rare levels or leave it out."),
    "pt_w_collinear": ("因素“{term}”与其他因素高度相关，其单独作用难以识别。",
                       "The driver {term} is collinear with other drivers; its own effect is hard to identify."),
    "pt_w_converge": ("模型拟合未能顺利收敛：可能有因素或少见取值完全区分了满意与不满意，或因素之间高度相关。",
                      "The fit did not converge cleanly: a driver or a rare level may separate satisfied from "
                      "unsatisfied callbacks, or drivers are collinear."),
    # the calibration bound to its store
    "pt_calib_other_store": ("模拟尚未按本数据库校准：现有的校准文件是按另一数据库 {start} 至 {end} 的工单做的，"
                             "本次按默认参数模拟，结果仅供参考。可点击下方按钮按本数据库的历史工单校准（需几分钟），"
                             "或在服务器命令行运行 `civicdesk staffing calibrate`。",
                             "Not calibrated for this store: the saved calibration was fitted on another store's "
                             "tickets of {start} to {end}, so the simulation runs on default parameters; treat the "
                             "results as indicative. Calibrate on this store's tickets with the button below (a few "
                             "minutes), or run `civicdesk staffing calibrate` on the server."),
    "pt_calib_other_data": ("模拟尚未按本数据库现有的工单校准：校准所用的 {start} 至 {end} 的工单已不在库中（数据已更换），"
                            "本次按默认参数模拟，结果仅供参考。可点击下方按钮重新校准（需几分钟）。",
                            "Not calibrated for this store's present data: the tickets of {start} to {end} it was "
                            "fitted on are no longer in the store, so the simulation runs on default parameters; "
                            "treat the results as indicative. Calibrate again with the button below (a few minutes)."),
    "pt_calibrate": ("按本数据库的历史工单校准", "Calibrate on this store's tickets"),
    "pt_calibrating": ("正在校准", "Calibrating"),
    "pt_calibrated_now": ("已按 {start} 至 {end} 的历史工单完成校准。", "Calibrated on the tickets of {start} to {end}."),
    "pt_calib_failed": ("校准未能完成：所选时段没有可用于校准的工单（需要派往镇街网格员、已办结的一般工单，以及人员名册）。"
                        "原始错误已记入日志。",
                        "The calibration could not be made: the period holds no tickets to fit on (it needs general "
                        "tickets dispatched to grid workers and closed, and a staff roster). The original error was "
                        "logged."),
    "pt_calib_needs_role": ("校准需要分析员权限。", "Calibrating needs the analyst role."),
    # key problems: entries named in the UI's language
    "pt_caller": ("来电人#{n}", "Caller #{n}"),
    "pt_hot_term": ("{term}（本周{count}件，前四周周均{mean:.1f}件）", "{term} ({count} this week, {mean:.1f} a week before)"),
}
