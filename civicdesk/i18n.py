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
}


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
    return name if lang == "zh" else codes.CATEGORY_EN.get(name, name)


def channel_label(code: str, lang: str = "zh") -> str:
    """A channel code as shown (12345热线, 网格员上报, …)."""
    return codes.label(codes.CHANNELS, code, lang)


def street_label(name: str, lang: str = "zh", english: dict[str, str] | None = None) -> str:
    """A street as shown; `english` maps Chinese names to English ones (from the streets table)."""
    if not name:
        return t("unspecified", lang)
    return name if lang == "zh" else (english or {}).get(name, name)
