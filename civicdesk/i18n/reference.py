"""UI strings of the Data view's reference-data, callback and category sections, merged into
`civicdesk.i18n.STRINGS`."""
from __future__ import annotations

REFERENCE_STRINGS: dict[str, tuple[str, str]] = {
    "reference_tab": ("参考数据与回访", "Reference data & callbacks"),
    "categories_tab": ("分类", "Categories"),
    "ref_kind": ("导入内容", "What to import"),
    "ref_kind_streets": ("镇街", "Streets"),
    "ref_kind_grids": ("网格", "Grids"),
    "ref_kind_roster": ("人员名册", "Staff roster"),
    "ref_kind_categories": ("分类", "Categories"),
    "ref_kind_callbacks": ("回访记录", "Callback results"),
    "ref_about_streets": ("镇街表：名称、编码、英文名称、类型（街道、镇或乡）、户数和可选的边界（GeoJSON）。按名称更新，"
                          "新镇街自动编号。",
                          "The streets table: name, code, English name, kind (subdistrict, town or township), households "
                          "and an optional boundary (GeoJSON). Rows are matched on the name; new streets are numbered "
                          "after the last one."),
    "ref_about_grids": ("网格表：网格编号、所属镇街（须先导入镇街表）、网格名称、所属社区、户数。按网格编号更新。",
                        "Grids: grid id, street (import the streets first), grid name, community and households. Rows "
                        "are matched on the grid id."),
    "ref_about_roster": ("人员名册：人员编号、姓名、岗位（网格员、调解员、受理员、派单员）、所属镇街和网格、调解层级、"
                         "到岗和离岗日期。按人员编号更新；力量测算依据此表。",
                         "The staff roster: staff id, name, role (grid worker, mediator, hotline acceptor, dispatcher), "
                         "street and grid, mediation tier, and the dates in post. Rows are matched on the staff id; the "
                         "staffing simulation reads this table."),
    "ref_about_categories": ("分类表：一级至三级分类、英文名称、处置方式（一般事项、矛盾纠纷、重点巡查事项）。按分类路径"
                             "更新；也可在“分类”栏目中直接修改。",
                             "Categories: levels 1 to 3, English name and handling (ordinary, dispute, key patrol item). "
                             "Rows are matched on the path; you can also edit them under Categories."),
    "ref_about_callbacks": ("回访记录：工单编号、回访时间、回访结果（满意、基本满意、不满意、未接通）。按编号写入已导入的"
                            "工单，找不到对应工单的行将被隔离；满意率随之更新。",
                            "Callback results: ticket id, callback time and result (satisfied, basically satisfied, "
                            "unsatisfied, not reached), written onto the stored tickets by id; rows whose id matches no "
                            "ticket are quarantined. The satisfaction rate follows."),
    "ref_blank_cells": ("表头可用中文或英文；空白单元格不会覆盖已有的值。",
                        "Headers may be in Chinese or English; blank cells leave stored values as they are."),
    "ref_template_xlsx": ("下载模板（Excel）", "Download the template (Excel)"),
    "ref_template_csv": ("下载模板（CSV）", "Download the template (CSV)"),
    "ref_upload": ("上传文件（CSV 或 Excel）", "Upload a file (CSV or Excel)"),
    "ref_columns": ("识别的列", "Columns recognised"),
    "ref_field": ("字段", "Field"),
    "ref_column": ("文件中的列", "Column in the file"),
    "ref_first_rows": ("文件前几行", "First rows of the file"),
    "ref_sample_ok": ("前几行均可导入。", "The first rows can all be imported."),
    "import_profile_error": ("所选映射方案与文件的列不符（例如映射的列不存在，或没有受理时间列）。请在下方检查映射方案和字段映射。",
                             "The chosen mapping does not fit the file's columns (a mapped column is missing, or "
                             "no column holds the creation time). Check the profile and the field mapping below."),
    "ref_not_a_table": ("无法读取该文件：它不是可识别的 CSV 或 Excel 表格，或超过了导入大小限制。",
                        "Cannot read the file: it is not a CSV or Excel table, or it is over the import size limit."),
    "ref_missing_columns": ("文件缺少必填列：{fields}。请使用模板中的表头。",
                            "The file lacks required columns: {fields}. Use the template's headers."),
    "ref_failed": ("导入失败，数据库未作任何改动。详细原因已记入日志。",
                   "The import failed and the store was left unchanged. The details are in the log."),
    "cat_intro": ("本中心自己的分类体系。可修改英文名称和处置方式：矛盾纠纷类工单由调解员办理（30日时限），重点巡查事项"
                  "单独统计。",
                  "The centre's own categories. Edit the English names and the handling: dispute tickets go to "
                  "mediators (30-day limit); key patrol items are counted on their own."),
    "cat_count": ("共 {n:,} 个分类，其中一级分类 {top:,} 个。", "{n:,} categories, {top:,} of them level 1."),
    "cat_empty": ("还没有分类。导入工单或分类表后即可在此修改。",
                  "No categories yet. Import tickets or a categories file, then edit them here."),
    "cat_level1": ("一级分类", "Level 1"),
    "cat_level2": ("二级分类", "Level 2"),
    "cat_level3": ("三级分类", "Level 3"),
    "cat_name_en": ("英文名称", "English name"),
    "cat_handling": ("处置方式", "Handling"),
    "cat_origin": ("来源", "Origin"),
    "cat_origin_import": ("工单导入", "Ticket import"),
    "cat_origin_file": ("分类文件", "Categories file"),
    "cat_origin_user": ("手工修改", "Edited by hand"),
    "cat_origin_demo": ("演示数据", "Demo"),
    "cat_save": ("保存修改", "Save changes"),
    "cat_saved": ("已保存 {n:,} 个分类的修改。", "Saved the changes to {n:,} categories."),
    "cat_unchanged": ("没有需要保存的修改。", "Nothing to save."),
    "cat_read_only": ("修改分类需要“{role}”及以上角色。", "Editing categories needs the role {role} or higher."),
    "unknown_streets_title": ("工单中出现但镇街表中没有的镇街", "Streets in tickets but not in the streets table"),
    "unknown_streets_hint": ("请在“参考数据与回访”中导入镇街表（可先下载模板）。",
                             "Import the streets table under Reference data & callbacks (download the template "
                             "first)."),
    "unknown_streets_none": ("工单中的镇街都在镇街表中。", "Every street named in the tickets is in the streets table."),
    "us_street": ("镇街", "Street"),
    "us_tickets": ("工单数", "Tickets"),
    "us_first_day": ("最早日期", "First day"),
    "us_last_day": ("最晚日期", "Last day"),
}
