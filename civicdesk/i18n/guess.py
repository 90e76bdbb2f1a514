"""UI strings for mappings proposed from headers and contents, merged into `civicdesk.i18n.STRINGS`."""
from __future__ import annotations

GUESS_STRINGS: dict[str, tuple[str, str]] = {
    "guess_proposed": (
        "没有现成的映射方案能识别这个文件的表头，下表中的对应关系是按表头含义和各列内容推测的。"
        "导入前请逐项核对，有误的请在表中改选列；确认之前不会写入任何数据。",
        "No mapping profile recognises this file's headers, so the mapping below was proposed from the "
        "headers' meaning and the columns' contents. Check every field before importing and choose another "
        "column where one is wrong; nothing is written until you start the import."),
    "guess_no_dates": (
        "没有现成的映射方案能识别这些列（{columns}），也没有哪一列在至少{share}的行中是日期时间，无法确定受理时间。"
        "请选择映射方案并手动指定受理时间所在的列。",
        "No mapping profile recognises these columns ({columns}), and none of them holds dates in at least "
        "{share} of its rows to be the time a ticket was created. Choose a profile and map the creation-time "
        "column by hand."),
    "guess_headerless": (
        "文件第一行看起来是数据（“{value}”是日期时间），不是列名。请在文件首行加上列名，或选择映射方案后手动指定各列。",
        "The file's first row looks like data ('{value}' is a date), not column names. Add a header row "
        "naming the columns, or choose a profile and map them by hand."),
    "guess_from_content": ("其中按列内容推测的字段：{fields}。", " Fields guessed from the columns' contents: {fields}."),
}
