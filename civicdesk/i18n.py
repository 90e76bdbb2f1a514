"""UI and report strings in Chinese (default) and English, shared by the app, charts and briefing."""
from __future__ import annotations

from civicdesk import codes
from civicdesk.kpi import KPI_LABELS

LANGS = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("社会治理综合服务中心 · 决策工作台", "Social-governance service centre · workbench"),
    "overview": ("总览", "Overview"),
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
    "backtest": ("回测对比（MASE，越小越好；季节朴素法为基准）", "Backtest (MASE, lower is better; seasonal naive is the benchmark)"),
    "model": ("所选模型", "Model chosen"),
    "model_mase": ("所选模型 MASE", "Chosen model MASE"),
    "naive_mase": ("季节朴素法 MASE", "Seasonal naive MASE"),
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


def category_label(name: str, lang: str = "zh") -> str:
    """A level-1 category as shown: the stored Chinese name, or its English name."""
    if not name:
        return t("unspecified", lang)
    if name == codes.UNMAPPED_CATEGORY:
        return name if lang == "zh" else codes.UNMAPPED_CATEGORY_EN
    return name if lang == "zh" else codes.CATEGORY_EN.get(name, name)


def channel_label(code: str, lang: str = "zh") -> str:
    """A channel code as shown (12345热线, 网格员上报, …)."""
    return codes.label(codes.CHANNELS, code, lang)


def street_label(name: str, lang: str = "zh", english: dict[str, str] | None = None) -> str:
    """A street as shown; `english` maps Chinese names to English ones (from the streets table)."""
    if not name:
        return t("unspecified", lang)
    return name if lang == "zh" else (english or {}).get(name, name)
