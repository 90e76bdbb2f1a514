"""UI strings of the Briefing view, merged into `civicdesk.i18n.STRINGS`."""
from __future__ import annotations

BRIEFING_STRINGS: dict[str, tuple[str, str]] = {
    "briefing": ("周报", "Briefing"),
    "br_intro": ("按周生成社会治理综合服务中心工作周报，数字均取自数据库，可下载Word、PDF、网页和Excel版本。",
                 "The centre's weekly briefing, every number from the store; download it as Word, PDF, web page "
                 "or Excel."),
    "br_week": ("周次", "Week"),
    "br_building": ("正在生成周报…", "Writing the briefing…"),
    "br_stage_overview": ("总体情况与三率", "overview and rates"),
    "br_stage_signals": ("预警与热点", "warnings and hot topics"),
    "br_stage_key_problems": ("重点问题清单", "key problems"),
    "br_stage_outlook": ("下周预测、力量建议与满意度分析", "forecast, staffing and satisfaction"),
    "br_stage_done": ("完成", "done"),
    "br_download": ("下载", "Download"),
    "br_make_files": ("生成下载文件（Word、PDF、网页、Excel）", "Make the files (Word, PDF, web page, Excel)"),
    "br_rendering": ("正在生成文件", "Rendering"),
    "br_docx": ("下载Word", "Word (.docx)"),
    "br_pdf": ("下载PDF", "PDF"),
    "br_html": ("下载网页版", "Web page (.html)"),
    "br_xlsx": ("下载Excel数据", "Excel (.xlsx)"),
    # a format that could not be made: "{fmt}" is br_fmt_<format>, "{reason}" is br_why_<failure kind>
    "br_fmt_docx": ("Word", "Word"),
    "br_fmt_pdf": ("PDF", "PDF"),
    "br_fmt_html": ("网页", "web page"),
    "br_fmt_xlsx": ("Excel", "Excel"),
    "br_failed": ("{fmt}版未能生成：{reason}", "The {fmt} version could not be made: {reason}"),
    "br_why_write": ("服务器无法写入文件（磁盘可能已满，或没有写入权限）。",
                     "the server could not write the file (the disk may be full, or it may lack permission)."),
    "br_why_other": ("生成时出错，详细原因已记入服务器日志。", "an error occurred; the details are in the server log."),
    "br_others_ready": ("其余版本已生成，可在下方下载。", "The other versions are ready to download below."),
    "br_none_made": ("未能生成任何文件，请将以上原因告知管理员。",
                     "No file could be made; tell the administrator the reasons above."),
}
