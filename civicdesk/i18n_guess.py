"""UI strings for mappings proposed from headers and contents, merged into `civicdesk.i18n.STRINGS`."""
from __future__ import annotations

GUESS_STRINGS: dict[str, tuple[str, str]] = {
    "guess_proposed": (
        "没有现成的映射方案能识别这个文件的表头，下表中的对应关系是按表头含义和各列内容推测的。"
        "导入前请逐项核对，有误的请在表中改选列；确认之前不会写入任何数据。",
        "No mapping profile recognises this file's headers, so the mapping below was proposed from the "
        "headers' meaning and the columns' contents. Check every field before importing and choose another "
        "column where one is wrong; nothing is written until you start the import."),
    "guess_from_content": ("其中按列内容推测的字段：{fields}。", " Fields guessed from the columns' contents: {fields}."),
}
