"""UI and report strings in Chinese (default) and English, shared by the app, charts and briefing."""
from __future__ import annotations

import re

from civicdesk import codes
from civicdesk.i18n.access import ACCESS_STRINGS
from civicdesk.i18n.briefing import BRIEFING_STRINGS
from civicdesk.i18n.charts import CHART_STRINGS
from civicdesk.i18n.compare import COMPARE_STRINGS
from civicdesk.i18n.coverage import COVERAGE_STRINGS
from civicdesk.i18n.drivers import DRIVER_LABELS, DRIVER_STRINGS
from civicdesk.i18n.geo import GEO_STRINGS
from civicdesk.i18n.partial import PARTIAL_STRINGS
from civicdesk.i18n.guess import GUESS_STRINGS
from civicdesk.i18n.maps import MAP_STRINGS
from civicdesk.i18n.reference import REFERENCE_STRINGS
from civicdesk.kpi import KPI_LABELS

LANGS = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("社会治理综合服务中心 · 决策工作台", "Social-governance service centre · workbench"),
    "overview": ("总览", "Overview"),
    "overview_unsettled": ("注：本周受理的工单多数仍在办理时限内，办结率会随办理进展上升，按时办结率也会随之变化，"
                           "与上周比较时请留意。",
                           "Note: most of this week's tickets are still within their time limits: the closure rate "
                           "will rise as they are handled and the on-time rate will move with it, so compare them "
                           "with last week's with care."),
    "as_of_week": ("统计周", "Week"),
    "streets": ("镇街", "Streets"),
    "street": ("镇街", "Street"),
    "categories": ("诉求类别", "Categories"),
    "category": ("诉求类别", "Category"),
    "channel": ("渠道", "Channel"),
    "all": ("全部", "All"),
    "language": ("语言 / Language", "Language / 语言"),
    "received": ("受理工单", "Tickets received"),
    "share": ("占比", "Share"),
    "last_week": ("上周", "Last week"),
    "wow": ("环比", "Week on week"),
    "week": ("周", "Week"),
    "count": ("件数", "Tickets"),
    "rate": ("比率", "Rate"),
    "kpi": ("指标", "Indicator"),
    "by_category": ("按诉求类别", "By category"),
    "by_street": ("各镇街情况", "By street"),
    "by_channel": ("按渠道", "By channel"),
    "trend": ("近期走势", "Recent trend"),
    "weekly_volume": ("每周受理量", "Tickets per week"),
    "weekly_rates": ("三率走势", "Rates by week"),
    "empty_store": ("数据库中还没有工单。请运行 `civicdesk demo` 生成演示数据，或导入工单文件。",
                    "The store holds no tickets yet. Run `civicdesk demo` to build the demo district, or import a file."),
    "build_demo": ("生成演示数据（约两分钟）", "Build the demo district (about two minutes)"),
    "store_error": ("无法打开数据库：", "Cannot open the store: "),
    "scheduler_unusable": ("建模集群无法使用：环境变量 CIVICDESK_DASK_SCHEDULER 指定的 Dask 调度器连接不上或没有工作节点。"
                           "请启动调度器和工作节点、更正地址，或删除该变量改在本机计算。",
                           "The modelling cluster cannot be used: the Dask scheduler named in CIVICDESK_DASK_SCHEDULER "
                           "cannot be reached or has no workers. Start the scheduler and its workers, correct the "
                           "address, or unset the variable to compute on this machine."),
    "download_csv": ("下载表格（CSV）", "Download table (CSV)"),
    "below_target": ("低于目标", "Below target"),
    "target": ("目标", "Target"),
    "summary_sentence": ("{week}，共受理工单{total:,}件，其中{parts}。",
                         "In the week {week}, the centre received {total:,} tickets: {parts}."),
    "pieces": ("件", ""),
    "unspecified": ("未注明", "Unspecified"),
    "data": ("数据导入", "Data"),
    "import_tab": ("导入文件", "Import a file"),
    "batches_tab": ("导入记录", "Past imports"),
    "quality_tab": ("数据质量", "Data quality"),
    "upload": ("上传工单导出文件（CSV、Excel 或 Open311 JSON）", "Upload an export (CSV, Excel or Open311 JSON)"),
    "upload_help": ("上传文件不超过 {mb} MB（大型中心一年的工单导出为 CSV 约 140 MB）；更大的文件请填写服务器上的"
                    "文件路径，或在命令行用 `civicdesk import` 导入。",
                    "Files up to {mb} MB (a big centre's year of tickets as CSV is about 140 MB); for larger files give "
                    "a path on the server, or use `civicdesk import` from the shell."),
    "server_path": ("或填写服务器上的文件路径（适合大文件）", "Or the path of a file on the server (for large files)"),
    "profile": ("映射方案", "Mapping profile"),
    "auto_profile": ("自动识别", "Detect from the headers"),
    "source": ("数据来源名称", "Source name"),
    "detected": ("识别结果", "Detected"),
    "mapping": ("字段映射（可修改）", "Column mapping (editable)"),
    "field": ("工单字段", "Ticket field"),
    "column": ("文件中的列", "Column in the file"),
    "not_imported": ("（不导入）", "(not imported)"),
    "raw_preview": ("文件前几行（原样）", "First rows as in the file"),
    "mapped_preview": ("导入后的样子", "As they will be stored"),
    "sample_quarantined": ("前几行中将被隔离的行", "Rows among the first that would be quarantined"),
    "start_import": ("开始导入", "Import"),
    "import_done": ("导入完成：读取 {rows_read:,} 行，新增 {inserted:,}，更新 {updated:,}，未变 {unchanged:,}，隔离 {quarantined:,}。",
                    "Imported: {rows_read:,} rows read, {inserted:,} inserted, {updated:,} updated, {unchanged:,} unchanged, {quarantined:,} quarantined."),
    "rows_read": ("读取行数", "Rows read"),
    "inserted": ("新增", "Inserted"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    "quarantined": ("隔离", "Quarantined"),
    "reasons": ("隔离原因", "Quarantine reasons"),
    "warnings": ("提示", "Warnings"),
    "download_quarantine": ("下载隔离行（Excel）", "Download quarantined rows (Excel)"),
    "no_batches": ("还没有导入记录。", "No imports yet."),
    "batch": ("导入批次", "Import batch"),
    "file_name": ("文件名", "File"),
    "finished_at": ("完成时间", "Finished"),
    "rows": ("行数", "Rows"),
    "month": ("月份", "Month"),
    "missing_street": ("缺镇街", "No street"),
    "missing_category": ("缺类别", "No category"),
    "missing_caller": ("缺来电人", "No caller"),
    "closed_before_created": ("办结早于受理", "Closed before created"),
    "open_past_deadline": ("超期未办结", "Open past deadline"),
    "quality_rows_chart": ("每月工单数（按来源）", "Tickets per month by source"),
    "quality_issue_chart": ("每月数据问题", "Data problems per month"),
    "issue": ("问题", "Problem"),
    "import_error": ("无法导入：", "Cannot import: "),
    "file_missing": ("找不到文件：", "No such file: "),
    "mapping_and_preview": ("字段映射与预览", "Column mapping and preview"),
    "section": ("栏目", "Section"),
    "row": ("行号", "Row"),
    "forecast": ("预测", "Forecast"),
    "actual": ("实际", "Actual"),
    "date": ("日期", "Date"),
    "scenario": ("情景", "Scenario"),
    "forecast_chart": ("受理量预测（阴影为80%与95%区间）", "Forecast of tickets (bands: 80% and 95% intervals)"),
    "level": ("预测层级", "Level"),
    "level_total": ("全区", "District"),
    "level_street": ("按镇街", "By street"),
    "level_category": ("按诉求类别", "By category"),
    "level_channel": ("按渠道", "By channel"),
    "horizon": ("预测天数", "Horizon (days)"),
    "run_forecast": ("生成预测", "Make the forecast"),
    "no_run": ("这一层级还没有预测。点击“生成预测”：系统会回测各模型、逐序列选出最优模型并保存结果。",
               "No forecast at this level yet. Click “Make the forecast”: models are backtested, the best is chosen per series, and the result is saved."),
    "run_info": ("预测基于截至 {as_of} 的数据，共 {n} 个序列，预测 {h} 天（第 {run} 次预测，已保存）。",
                 "Forecast from data up to {as_of}: {n} series, {h} days ahead (run {run}, saved)."),
    "series": ("序列", "Series"),
    "next_7": ("未来7天预计", "Next 7 days"),
    "next_h": ("预测期合计", "Whole horizon"),
    "backtest": ("回测：所选方法是否胜过季节朴素法", "Backtest: does the chosen method beat seasonal naive?"),
    "fc_backtest_note": ("做法：先用更早的几段历史选出模型，再在未参与选择的最近{h}天上检验，并与季节朴素法（上周同日的数）"
                         "比较。MASE 越小越好；所选方法的误差高于季节朴素法，即为“不及基准”。",
                         "How: the model is chosen on earlier stretches of history, then tested on the last {h} days, "
                         "which took no part in choosing it, next to seasonal naive (the same day last week). MASE: "
                         "lower is better; where the chosen method's error is above seasonal naive's, it loses to "
                         "the benchmark."),
    "fc_backtest_summary": ("{n}个序列中，所选方法胜过季节朴素法的有{beats}个，不及的有{loses}个，与之相同的有{ties}个。",
                            "Of {n} series, the chosen method beats seasonal naive on {beats}, loses on {loses} and "
                            "is the same on {ties}."),
    "fc_backtest_unscored": ("另有{n}个序列历史太短，无法在留出期检验。",
                             "{n} more series have too little history to be tested on held-out days."),
    "fc_backtest_old": ("这次预测生成于留出检验之前，只有选模型所用回测期上的误差，而这个误差不可能高于季节朴素法。"
                        "请重新生成预测，以查看所选方法在留出期的表现。",
                        "This forecast was made before held-out testing: it only has the error on the stretches the "
                        "model was chosen on, which can never be above seasonal naive's. Make the forecast again to "
                        "see how the chosen method does on held-out days."),
    "fc_backtest_chart": ("留出期误差（MASE）：所选方法与季节朴素法", "Held-out error (MASE): chosen method and seasonal naive"),
    "fc_mase_axis": ("MASE（越小越好）", "MASE (lower is better)"),
    "fc_bar": ("误差", "Error"),
    "fc_bar_beats": ("所选方法：胜过基准", "Chosen method: beats the benchmark"),
    "fc_bar_loses": ("所选方法：不及基准", "Chosen method: loses to the benchmark"),
    "fc_bar_naive": ("季节朴素法（基准）", "Seasonal naive (benchmark)"),
    "model": ("所用模型", "Model used"),
    "model_mase": ("所选方法 MASE（留出期）", "Chosen method MASE (held out)"),
    "naive_mase": ("季节朴素法 MASE（同期）", "Seasonal naive MASE (same days)"),
    "fc_result": ("结果", "Result"),
    "fc_beats": ("胜过基准", "Beats the benchmark"),
    "fc_loses": ("不及基准", "Loses to the benchmark"),
    "fc_ties": ("即为基准", "Is the benchmark"),
    "fc_unscored": ("历史太短，未检验", "Too short to test"),
    "model_SeasonalNaive": ("季节朴素法", "Seasonal naive"),
    "model_ETS": ("指数平滑", "Exponential smoothing"),
    "model_CountGLM": ("计数回归", "Count regression"),
    "model_SARIMAX": ("带日历项的 ARIMA", "ARIMA with calendar terms"),
    "scenarios": ("情景设定", "Scenarios"),
    "scenario_name": ("情景名称", "Scenario name"),
    "scenario_note": ("说明", "Description"),
    "from_date": ("开始日期", "From"),
    "to_date": ("结束日期", "To"),
    "change_pct": ("变化幅度（%）", "Change (%)"),
    "save_scenario": ("保存情景", "Save scenario"),
    "apply_scenario": ("应用情景", "Apply a scenario"),
    "baseline": ("基准预测", "Baseline"),
    "none": ("（不应用）", "(none)"),
    "scenario_level": ("该情景按镇街或类别设定，请在对应层级（按镇街/按诉求类别）查看其效果。",
                       "This scenario is set for particular streets or categories; view it at that level."),
    "scenario_saved": ("情景已保存：", "Scenario saved: "),
    "warnings_title": ("预警：上周实际超出预测区间的序列", "Early warnings: series outside last week's forecast interval"),
    "check_warnings": ("检查上周预警", "Check last week"),
    "no_warnings": ("上周各序列均在95%预测区间内。", "Every series stayed within its 95% interval last week."),
    "direction": ("方向", "Direction"),
    "above": ("偏高", "above"),
    "below": ("偏低", "below"),
    "severity": ("偏离程度", "Severity"),
    "expected": ("预测值", "Expected"),
    "download_forecast": ("下载预测（Excel）", "Download forecast (Excel)"),
    "cli_hint": ("也可在命令行导入：`civicdesk import 文件路径`", "From the shell: `civicdesk import PATH`"),
    # Staffing (人员配置)
    "staffing": ("人员配置", "Staffing"),
    "sf_intro": ("按预计受理量模拟现有人手能否按时办结，并测算达到目标所需的最少人员。",
                 "Simulate whether the staff on hand close the expected tickets in time, and find the smallest "
                 "roster that meets the targets."),
    "sf_calibrated": ("模拟参数已按 {start} 至 {end} 的历史工单校准。",
                      "The simulation is calibrated on the tickets of {start} to {end}."),
    "sf_uncalibrated": ("模拟尚未按本中心的历史工单校准，目前使用默认参数（网格员有效工作时长、部门办理周期等取经验值），"
                        "结果仅供参考。校准方法：在服务器命令行运行 `civicdesk staffing calibrate`（需几分钟）。",
                        "The simulation has not been calibrated on this centre's tickets and runs on default "
                        "parameters (grid workers' effective hours, departments' handling times), so treat the "
                        "results as indicative. To calibrate, run `civicdesk staffing calibrate` on the server "
                        "(a few minutes)."),
    "sf_bad_calibration": ("校准文件 {path} 无法读取（可能由旧版本生成），本次按默认参数模拟。请在服务器命令行重新运行 "
                           "`civicdesk staffing calibrate`。",
                           "The calibration file {path} cannot be read (perhaps written by another version); the "
                           "simulation runs on default parameters. Run `civicdesk staffing calibrate` again on the "
                           "server."),
    "sf_demand": ("① 工单来源", "① Tickets"),
    "sf_source": ("工单来源", "Tickets from"),
    "src_forecast": ("最新预测（按镇街）", "Latest forecast by street"),
    "src_history": ("重演历史时段", "Replay a past period"),
    "sf_quantile": ("预测取值", "Forecast level"),
    "q_0.5": ("均值", "Mean"),
    "q_0.9": ("P90（偏高）", "P90 (high)"),
    "q_0.975": ("P97.5（高峰）", "P97.5 (peak)"),
    "sf_quantile_help": ("P90：约十天中有一天受理量会超过该值；P97.5：约四十天中有一天。按高分位配置人手更稳妥，但成本更高。",
                         "P90: about one day in ten has more tickets than this; P97.5: one day in forty. Staffing "
                         "for a higher level is safer but costs more."),
    "sf_no_forecast": ("还没有按镇街的预测。请先在“预测”页选择“按镇街”并点击“生成预测”，或在此改用“重演历史时段”。",
                       "There is no forecast by street yet. Make one in the Forecast view (level “By street”), or "
                       "replay a past period here."),
    "sf_forecast_period": ("预测覆盖 {start} 至 {end}，共 {n} 天（基于截至 {as_of} 的数据）。",
                           "The forecast covers {start} to {end}, {n} days (from data up to {as_of})."),
    "sf_backlog": ("积压提示：{streets}的未办结一般工单明显多于其他镇街（各镇街中位数为{usual:.1f}个工作日的派单量）。"
                   "模拟从空队列开始，只计预测期内的新增工单；消化这些积压还需另外的人手或加班。",
                   "Backlog: {streets} carry far more open general tickets than the other streets (the median street "
                   "holds {usual:.1f} working days of dispatches). The simulation starts from empty queues and counts "
                   "only the forecast period's new tickets; clearing these backlogs needs more people or overtime."),
    "list_sep": ("、", ", "),
    "sf_backlog_item": ("{street}（{open:,}件，约{days:.1f}个工作日）", "{street} ({open:,} tickets, {days:.1f} working days)"),
    "sf_period": ("历史时段", "Period"),
    "sf_period_help": ("按该时段实际受理的工单重演，默认取数据中最近一个完整季度。",
                       "Replays the tickets actually received in this period; by default the last full quarter in "
                       "the data."),
    "sf_pick_dates": ("请选择开始和结束日期。", "Choose a start and an end date."),
    "sf_volume": ("② 受理量变化（假设情景）", "② Change in volume (what-if)"),
    "sf_volume_pct": ("受理量增减（%）", "Change in volume (%)"),
    "sf_volume_help": ("例如寒潮期间供暖诉求上升，可设 +40%，并限定日期和类别。0 表示不调整。",
                       "E.g. +40% for heating appeals during a cold spell, limited to its dates and category. "
                       "0 leaves the volume as it is."),
    "sf_volume_dates": ("适用日期", "Dates"),
    "sf_roster": ("③ 人员配置（可直接修改）", "③ Roster (editable)"),
    "sf_roster_caption": ("默认为 {day} 在岗人数；值班人员按每镇街2人预设。",
                          "Starts from the staff on the roster on {day}; duty assumes 2 per street."),
    "sf_roster_total": ("合计：网格员 {gw:,} 人，值班 {duty:,} 人，调解员 {med:,} 人。",
                        "Total: {gw:,} grid workers, {duty:,} on duty, {med:,} mediators."),
    "sf_reset_roster": ("恢复为在岗人数", "Back to the current roster"),
    "grid_workers": ("网格员", "Grid workers"),
    "mediators": ("调解员", "Mediators"),
    "duty": ("值班（紧急件）", "Duty (urgent)"),
    "mediators_grid": ("网格/楼栋调解员", "Building / grid mediators"),
    "mediators_community": ("社区和事佬", "Community 和事佬"),
    "mediators_street": ("街道调解中心", "Street mediation centre"),
    "grid_workers_short": ("网格员", "Grid"),
    "duty_short": ("值班", "Duty"),
    "mediators_grid_short": ("楼栋调解", "M-bldg"),
    "mediators_community_short": ("和事佬", "M-comm"),
    "mediators_street_short": ("街道调解", "M-street"),
    "sf_targets": ("④ 目标", "④ Targets"),
    "tgt_close": ("一般工单5个工作日内办结（%）", "General tickets closed within 5 working days (%)"),
    "tgt_sign": ("一般工单24小时内签收（%）", "General tickets signed within 24 hours (%)"),
    "tgt_mediation": ("矛盾纠纷30日内化解（%）", "Disputes settled within 30 days (%)"),
    "sf_target_help": ("最高99%：办理时长有波动，任何配置都无法保证100%。",
                       "At most 99%: handling times vary, so no roster can guarantee 100%."),
    "seed": ("随机种子", "Random seed"),
    "seed_help": ("同一种子、同样设置，结果完全相同；换几个种子可看出结果的波动范围。",
                  "The same seed and settings give the same result; try a few seeds to see how much it varies."),
    "sf_run": ("运行模拟", "Run the simulation"),
    "sf_running": ("正在模拟", "Simulating"),
    "sf_results": ("模拟结果", "Simulation results"),
    "sf_result_info": ("模拟 {start} 至 {end} 受理的 {n:,} 件工单（随机种子 {seed}）。",
                       "Simulated the {n:,} tickets received from {start} to {end} (seed {seed})."),
    "sf_stale": ("设置已改动，以下仍是上一次的结果；请重新运行模拟。",
                 "The settings have changed since: these are the previous results. Run the simulation again."),
    "sf_plan_stale": ("设置已改动，以下仍是按之前设置测算的方案；请重新测算。",
                      "The settings have changed since: this plan was made for the previous ones. Plan again."),
    "points": ("个百分点", " pt"),
    "sim_tickets": ("模拟工单", "Tickets simulated"),
    "sim_on_time": ("按时办结率", "Closed on time"),
    "sim_signed": ("24小时签收率", "Signed within 24 h"),
    "sim_mediation": ("纠纷30日化解率", "Disputes in 30 days"),
    "sim_util": ("网格员平均工作饱和度", "Grid utilisation (mean)"),
    "sim_overtime": ("网格员人均周加班", "Grid workers' overtime per week"),
    "hours": ("小时", "h"),
    "on_time_chart": ("各镇街按时办结率（{role}，虚线为目标 {target:.0%}）", "On time, {role} (dashed: target {target:.0%})"),
    "target_met": ("达到目标", "Target met"),
    "backlog_chart_open": ("每日在办工单（已受理未办结）", "Tickets in hand per day (received, not yet closed)"),
    "backlog_chart_queued": ("每日待处理工单（等网格员处理）", "Tickets waiting for a grid worker per day"),
    "backlog_open": ("在办", "In hand"),
    "backlog_queued": ("待处理", "Waiting"),
    "backlog_streets": ("曲线显示的镇街", "Streets shown"),
    "backlog_default": ("默认：在办峰值最高的5个镇街", "Default: the 5 streets with the highest peak"),
    "backlog_measure": ("口径", "Measure"),
    "utilisation_chart": ("各镇街工作饱和度（处理工单时间占在岗时间）", "Share of working hours on tickets"),
    "utilisation": ("工作饱和度", "Utilisation"),
    "overtime": ("人均周加班（小时）", "Overtime per week (h)"),
    "role": ("岗位", "Role"),
    "role_direct": ("热线直办", "Closed at intake"),
    "sf_key_figures": ("各镇街主要指标", "Key figures by street"),
    "sim_total": ("工单总数", "Tickets"),
    "kf_on_time": ("一般件按时办结率", "Closed on time"),
    "kf_signed": ("一般件24小时签收率", "Signed in 24 h"),
    "kf_close_p50": ("一般件办结用时中位数（工作日）", "General: median working days to close"),
    "kf_close_p90": ("一般件九成办结用时（工作日）", "General: 90% closed within (working days)"),
    "kf_util": ("网格员工作饱和度", "Grid workers' utilisation"),
    "kf_overtime": ("网格员人均周加班（小时）", "Grid workers' overtime per week (h)"),
    "sim_close_p50": ("办结用时中位数（工作日）", "Median time to close (working days)"),
    "sim_close_p90": ("九成办结用时（工作日）", "90% closed within (working days)"),
    "kt_on_time": ("按时办结率", "On time"),
    "kt_signed": ("24小时签收率", "Signed in 24 h"),
    "kt_p50": ("办结用时中位数", "Median days to close"),
    "kt_p90": ("九成办结用时", "90% closed within (days)"),
    "kt_util": ("工作饱和度", "Utilisation"),
    "kt_overtime": ("人均周加班", "Overtime (h/week)"),
    "sf_table_note": ("“按时办结率”至“人均周加班”六项针对网格员处理的一般工单（不含热线直办、紧急件和纠纷）；办结用时以工作日计，加班以每人每周小时计。",
                      "The six columns from “On time” to “Overtime” are for the general tickets grid workers handle "
                      "(not those closed at intake, urgent ones or disputes); times in working days, overtime in "
                      "hours per person per week."),
    "sim_urgent": ("紧急件按时率", "Urgent on time"),
    "signed_on_time": ("按时签收率", "Signed on time"),
    "close_p50": ("办结用时中位数", "Median time to close"),
    "close_p90": ("九成办结用时", "90th percentile time to close"),
    "open_at_end": ("期末未办结", "Still open at the end"),
    "sf_units": ("下载的结果含各岗位，办结用时单位：网格员为工作日，值班为小时，调解员为天。",
                 "The download covers every role; times to close are in working days for grid workers, hours "
                 "for duty and days for mediators."),
    "download_summary_csv": ("下载模拟结果（CSV）", "Download the results (CSV)"),
    "download_summary_xlsx": ("下载模拟结果（Excel）", "Download the results (Excel)"),
    "sf_plan": ("最优配置测算", "Smallest roster meeting the targets"),
    "sf_plan_caption": ("按上面的工单、受理量变化和目标，逐个镇街测算最少需要多少网格员和调解员（约需几十秒）。",
                        "For the tickets, volume change and targets above, finds street by street the fewest grid "
                        "workers and mediators needed (takes a minute or less)."),
    "sf_fixed": ("总人数不变（只在镇街之间调配）", "Fixed headcount (moves only)"),
    "sf_make_plan": ("生成最优配置", "Plan the roster"),
    "sf_planning": ("正在测算", "Planning"),
    "plan_now": ("现有", "Now"),
    "plan_need": ("需要", "Needed"),
    "plan_gap": ("增减", "Change"),
    "plan_chart": ("各镇街{what}：现有与需要", "{what} by street: now and needed"),
    "sf_cost_now": ("现有年人力成本", "Yearly cost now"),
    "sf_cost_plan": ("方案年人力成本", "Yearly cost of the plan"),
    "sf_gw_total": ("网格员合计（现有→需要）", "Grid workers (now → needed)"),
    "sf_med_total": ("调解员合计（现有→需要）", "Mediators (now → needed)"),
    "wan_yuan": ("{v:,.1f} 万元", "CNY {v:,.0f}k"),
    "sf_acceptors_title": ("热线受理员：典型一周每半小时需在岗人数（含休息、培训等损耗 30%）",
                           "Hotline acceptors rostered per half hour of a typical week (30% shrinkage)"),
    "sf_acceptors_axis": ("需排班受理员（人）", "Acceptors rostered"),
    "sf_interval": ("时段", "Interval"),
    "sf_calls": ("来电（件）", "Calls"),
    "sf_on_phones": ("在线接听（人）", "On the phones"),
    "sf_acceptors_note": ("按 80% 来电 20 秒内接通、平均通话及处理 5 分钟、每件工单 1 通来电测算（Erlang C）；"
                          "高峰时段需 {peak} 人在岗，每周共约 {hours:,.0f} 个排班小时。",
                          "Sized for 80% of calls answered within 20 s, 5 minutes per call, one call per ticket "
                          "(Erlang C): the peak half hour needs {peak} on the roster; about {hours:,.0f} rostered "
                          "hours a week."),
    "sf_cost_note": ("人力成本按每人每年网格员 {gw:,.0f} 元、调解员 {med:,.0f} 元估算，值班人员未计入。"
                     "测算的是处理工单所需的人手；“一格一员”的网格配置要求和日常巡查任务另行考虑，不宜据此直接减员。",
                     "Costs assume CNY {gw:,.0f} a year per grid worker and CNY {med:,.0f} per mediator; duty "
                     "staff are not counted. The plan sizes the people needed for tickets; the one-worker-per-grid "
                     "rule and daily patrols come on top, so do not cut staff on this figure alone."),
    "sf_moves": ("调配建议（网格员）", "Suggested moves (grid workers)"),
    "from_street": ("调出镇街", "From"),
    "to_street": ("调入镇街", "To"),
    "workers": ("人数", "People"),
    "sf_no_moves": ("无需在镇街之间调配：各镇街现有网格员都已够用。", "No moves needed: every street has enough grid workers."),
    "sf_all_reachable": ("各镇街的目标都能达到。", "Every street can reach the targets."),
    "sf_plan_detail": ("各镇街明细", "Details by street"),
    "sf_copy_plan": ("把方案填入人员配置表", "Put the plan into the roster"),
    "sf_plan_copied": ("方案已填入人员配置表，可再运行模拟核对效果。",
                       "The plan is in the roster; run the simulation to check it."),
    "mediation_on_time": ("纠纷30日化解率", "Disputes settled in 30 days"),
    "sf_save": ("保存与对比情景", "Save and compare scenarios"),
    "sf_save_name": ("情景名称", "Scenario name"),
    "sf_save_desc": ("说明（可不填，默认记录本次设置）", "Description (optional; the settings are recorded by default)"),
    "sf_save_placeholder": ("如：春节后受理量上升两成，明水街道增配5名网格员",
                            "E.g. +20% after the Spring Festival, 5 more grid workers in Mingshui"),
    "sf_save_btn": ("保存本次模拟", "Save"),
    "sf_saved": ("情景已保存：", "Scenario saved: "),
    "sf_need_run": ("运行模拟后可保存为情景。", "Run the simulation to save it as a scenario."),
    "sf_need_name": ("请填写情景名称。", "Give the scenario a name."),
    "sf_compare": ("对比已保存的情景（第一个作为基准）", "Compare saved scenarios (the first is the baseline)"),
    "sf_saved_list": ("已保存的情景", "Saved scenarios"),
    "name": ("名称", "Name"),
    "description": ("说明", "Description"),
    "saved_at": ("保存时间", "Saved"),
    "sf_measure": ("指标", "Measure"),
    "sf_delta_note": ("Δ 列为各情景与基准情景之差（比率类指标单位为百分点）。",
                      "Δ columns: difference from the baseline (in percentage points for rates)."),
    "sf_no_saved": ("还没有保存的情景。", "No saved scenarios yet."),
    "sf_delete": ("删除情景", "Delete a scenario"),
    "sf_delete_btn": ("删除", "Delete"),
    "sf_deleted": ("已删除情景：", "Deleted scenario: "),
    "sf_error": ("无法完成：", "Cannot do this: "),
    "sf_desc_history": ("重演{start}至{end}", "replay of {start} to {end}"),
    "sf_desc_forecast": ("按预测{q}", "forecast at {q}"),
    "sf_desc_volume": ("受理量{pct:+d}%", "volume {pct:+d}%"),
    "sf_desc_dates": ("{start}至{end}", "{start} to {end}"),
    "sf_desc_more": ("等{n}个", " and {n} more"),
    "sf_desc_roster": ("调整人员{n}处", "{n} roster changes"),
}

#: Labels of the ticket fields an import maps (see `civicdesk.ingest.profiles.FIELDS`).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "source_id": ("工单编号", "Ticket id"), "created_at": ("受理时间", "Created"), "channel": ("渠道", "Channel"),
    "category": ("一级分类", "Category"), "subcategory": ("二级分类", "Subcategory"),
    "street": ("镇街", "Street"), "grid_id": ("网格", "Grid"), "department": ("承办单位", "Department"),
    "urgency": ("紧急程度", "Urgency"), "signed_at": ("签收时间", "Signed"),
    "first_response_at": ("首次响应时间", "First response"), "closed_at": ("办结时间", "Closed"),
    "deadline_at": ("办理时限", "Deadline"), "status": ("状态", "Status"),
    "callback_result": ("回访结果", "Callback result"), "caller_phone": ("来电号码（加密）", "Caller phone (hashed)"),
    "caller_name": ("来电人（加密）", "Caller name (hashed)"), "title": ("标题", "Title"),
    "description": ("诉求内容", "Description"), "returned_count": ("退单次数", "Times returned"),
    "reopened_count": ("重办次数", "Times reopened"), "escalated": ("是否督办", "Escalated"),
    "source": ("来源", "Source"), "ticket_id": ("平台工单号", "Platform ticket no."),
    "caller_key": ("来电人密钥", "Caller key"), "category_raw": ("原始分类", "Category as written"),
    "id_derived": ("编号系生成", "Id derived"),
}


def field_label(name: str, lang: str = "zh") -> str:
    """Label of an import field such as "created_at" (受理时间)."""
    pair = FIELD_LABELS.get(name)
    return name if pair is None else (pair[0] if lang == "zh" else pair[1])


def t(key: str, lang: str = "zh") -> str:
    """The string `key` in `lang`; an unknown key is returned as it is (visible, never a crash)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def kpi_label(kpi: str, lang: str = "zh") -> str:
    """Label of a KPI column such as "satisfaction_rate" (满意率)."""
    pair = KPI_LABELS.get(kpi)
    return kpi if pair is None else (pair[0] if lang == "zh" else pair[1])


#: Category levels the library merges (drivers' rare levels, the category forecast's tail) -> string key.
_LUMPED_CATEGORIES = {codes.RARE_CATEGORIES: "cov_lumped_rare", codes.TAIL_CATEGORIES: "cov_lumped_tail"}


def category_label(name: str, lang: str = "zh", english: dict[str, str] | None = None) -> str:
    """A level-1 category as shown: the stored name, or in English the name the `categories` table gives
    (`english` maps stored names to English ones: `civicdesk.store.categories.category_english`)."""
    if not name:
        return t("unspecified", lang)
    if name == codes.UNMAPPED_CATEGORY:
        return name if lang == "zh" else codes.UNMAPPED_CATEGORY_EN
    if name in _LUMPED_CATEGORIES:  # levels merged by the driver model or a forecast's tail
        return t(_LUMPED_CATEGORIES[name], lang)
    return name if lang == "zh" else (english or {}).get(name, name)


def channel_label(code: str, lang: str = "zh") -> str:
    """A channel code as shown (12345热线, 网格员上报, …)."""
    return codes.label(codes.CHANNELS, code, lang)


def street_label(name: str, lang: str = "zh", english: dict[str, str] | None = None) -> str:
    """A street as shown; `english` maps Chinese names to English ones (from the streets table)."""
    if not name:
        return t("unspecified", lang)
    return name if lang == "zh" else (english or {}).get(name, name)


STRINGS.update(DRIVER_STRINGS)
STRINGS.update(BRIEFING_STRINGS)
STRINGS.update(COVERAGE_STRINGS)
STRINGS.update(ACCESS_STRINGS)
STRINGS.update(PARTIAL_STRINGS)
STRINGS.update(GUESS_STRINGS)
STRINGS.update(REFERENCE_STRINGS)
STRINGS.update(CHART_STRINGS)
STRINGS.update(COMPARE_STRINGS)
STRINGS.update(MAP_STRINGS)
STRINGS.update(GEO_STRINGS)


def driver_label(name: str, lang: str = "zh", english: dict[str, str] | None = None) -> str:
    """A driver (formula term or design column) as shown: 重复来电, 类别：供暖, 渠道：网格员上报, …

    Design columns of a categorical term ("C(category, Treatment('水电气'))[T.供暖]") show the variable and
    the level; anything unknown is shown as written.
    """
    match = re.match(r"C\((\w+)[^\[]*\)(?:\[T\.(.+)\])?$", name)
    var, level = (match.group(1), match.group(2)) if match else (name, None)
    pair = DRIVER_LABELS.get(var)
    shown = var if pair is None else (pair[0] if lang == "zh" else pair[1])
    if level is None:
        return shown
    if var == "category":
        level = category_label(level, lang, english)
    elif var == "channel":
        level = channel_label(level, lang)
    return f"{shown}：{level}" if lang == "zh" else f"{shown}: {level}"
