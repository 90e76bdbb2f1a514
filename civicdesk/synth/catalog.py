"""The demo district's catalogue: level-1 categories (the demo's rows of the `categories` table), their
level-2 subcategories with handling departments, channel mixes, urgency mixes, 直办 shares and
service times, and the field calibration targets.

Department strings starting with "@" are resolved per street: "@street" is the street office
(e.g. "明水街道办事处", "刁镇人民政府"), "@mediation" its people's mediation committee.
"""
from __future__ import annotations

#: The demo's level-1 categories and their English names; the first five are the centre's own lines of
#: work, the rest are ordinary hotline appeals. `category_rows` turns them into `categories` rows.
CATEGORY_EN: dict[str, str] = {
    "便民惠企服务": "Services to residents and firms",
    "安全隐患排查": "Safety hazard checks",
    "社情民意收集": "Public opinion collection",
    "矛盾纠纷化解": "Dispute mediation",
    "重点巡查事项": "Key patrol items",
    "环境保护": "Environment",
    "城乡建设与道路": "Construction and roads",
    "供暖": "Heating",
    "物业管理": "Property management",
    "水电气": "Water, power and gas",
    "社会保障": "Social security",
    "市场监管": "Market regulation",
    "其他诉求": "Other appeals",
}
CATEGORIES: list[str] = list(CATEGORY_EN)
CHANNELS: list[str] = ["hotline", "grid", "app", "visit", "other"]
CALLER_CHANNELS = ("hotline", "app", "visit", "other")  # grid patrol reports have no caller
URGENCY_CODES: list[str] = ["general", "urgent", "very_urgent"]
DISPUTES = "矛盾纠纷化解"
KEY_PATROL = "重点巡查事项"
HEATING = "供暖"

#: Calibration targets: tickets per category over the field week 2023-02-10 .. 2023-02-16 (7 days).
CALIBRATION_START, CALIBRATION_END = "2023-02-10", "2023-02-16"
CALIBRATION_TARGETS: dict[str, float] = {
    "便民惠企服务": 3221, "安全隐患排查": 2570, "社情民意收集": 523, "矛盾纠纷化解": 149, "重点巡查事项": 50,
    # the rest (3,958) over the ordinary hotline appeals; heating is large in February
    "供暖": 1290, "城乡建设与道路": 520, "水电气": 480, "物业管理": 460, "环境保护": 350,
    "社会保障": 330, "市场监管": 220, "其他诉求": 308,
}
CALIBRATION_TOTAL = 10471

#: Channel mix (hotline, grid, app, visit, other) per category; rows sum to 1.
CHANNEL_MIX: dict[str, tuple[float, float, float, float, float]] = {
    "便民惠企服务": (0.58, 0.10, 0.27, 0.04, 0.01),
    "安全隐患排查": (0.06, 0.88, 0.04, 0.01, 0.01),
    "社情民意收集": (0.08, 0.85, 0.05, 0.01, 0.01),
    "矛盾纠纷化解": (0.30, 0.35, 0.05, 0.28, 0.02),
    "重点巡查事项": (0.00, 0.97, 0.00, 0.00, 0.03),
    "环境保护": (0.72, 0.15, 0.11, 0.01, 0.01),
    "城乡建设与道路": (0.70, 0.18, 0.10, 0.01, 0.01),
    "供暖": (0.85, 0.03, 0.11, 0.01, 0.00),
    "物业管理": (0.78, 0.06, 0.13, 0.02, 0.01),
    "水电气": (0.85, 0.05, 0.09, 0.01, 0.00),
    "社会保障": (0.78, 0.03, 0.09, 0.09, 0.01),
    "市场监管": (0.82, 0.02, 0.14, 0.01, 0.01),
    "其他诉求": (0.75, 0.05, 0.12, 0.05, 0.03),
}

#: (P(urgent), P(very_urgent)) per category; the rest is general.
URGENCY_MIX: dict[str, tuple[float, float]] = {
    "安全隐患排查": (0.08, 0.02), "水电气": (0.14, 0.03), "供暖": (0.10, 0.01),
    "城乡建设与道路": (0.05, 0.01), "环境保护": (0.03, 0.005), "矛盾纠纷化解": (0.04, 0.01),
    "重点巡查事项": (0.05, 0.01),
}
DEFAULT_URGENCY_MIX = (0.02, 0.002)

#: Share of general hotline tickets closed at intake by the acceptor (直办).
DIRECT_CLOSE: dict[str, float] = {
    "便民惠企服务": 0.72, "社会保障": 0.66, "其他诉求": 0.70, "市场监管": 0.60, "社情民意收集": 0.65,
}

#: Median service time in working days once a handler starts on a general ticket.
SERVICE_WD: dict[str, float] = {
    "便民惠企服务": 1.0, "安全隐患排查": 1.1, "社情民意收集": 0.8, "矛盾纠纷化解": 5.0, "重点巡查事项": 0.6,
    "环境保护": 1.9, "城乡建设与道路": 2.2, "供暖": 1.2, "物业管理": 1.9, "水电气": 1.0,
    "社会保障": 1.6, "市场监管": 1.8, "其他诉求": 1.4,
}

#: Subcategories per category: (name, weight, department).
SUBCATEGORIES: dict[str, list[tuple[str, float, str]]] = {
    "便民惠企服务": [("政策咨询", 0.30, "@street"), ("证照办理", 0.15, "区行政审批服务局"),
                 ("企业诉求", 0.10, "区工业和信息化局"), ("代办帮办", 0.15, "@street"),
                 ("生活服务求助", 0.15, "@street"), ("老年人服务", 0.08, "区民政局"),
                 ("就业创业咨询", 0.07, "区人力资源和社会保障局")],
    "安全隐患排查": [("消防安全隐患", 0.24, "区消防救援大队"), ("燃气安全隐患", 0.14, "区燃气公司"),
                 ("用电安全隐患", 0.14, "@street"), ("危房隐患", 0.10, "区住建局"),
                 ("道路交通安全隐患", 0.12, "区交通运输局"), ("生产经营场所隐患", 0.16, "区应急管理局"),
                 ("自建房安全", 0.10, "区住建局")],
    "社情民意收集": [("民生建议", 0.35, "@street"), ("政策意见", 0.20, "@street"), ("群众关切", 0.25, "@street"),
                 ("舆情线索", 0.08, "@street"), ("村务公开", 0.12, "@street")],
    "矛盾纠纷化解": [("邻里纠纷", 0.32, "@mediation"), ("婚姻家庭纠纷", 0.18, "@mediation"),
                 ("土地承包纠纷", 0.10, "@mediation"), ("物业纠纷", 0.09, "@mediation"),
                 ("劳资纠纷", 0.10, "区人力资源和社会保障局"), ("宅基地纠纷", 0.08, "@mediation"),
                 ("损害赔偿纠纷", 0.08, "@mediation"), ("合同纠纷", 0.05, "@mediation")],
    "重点巡查事项": [("重点人员走访", 0.30, "@street"), ("重点场所巡查", 0.25, "@street"),
                 ("防汛巡查", 0.20, "区水务局"), ("森林防火巡查", 0.12, "区应急管理局"),
                 ("秸秆禁烧巡查", 0.13, "区生态环境分局")],
    "环境保护": [("噪声扰民", 0.26, "区生态环境分局"), ("大气污染", 0.14, "区生态环境分局"),
             ("油烟扰民", 0.14, "区综合行政执法局"), ("污水排放", 0.12, "区生态环境分局"),
             ("垃圾清运", 0.24, "区城市管理局"), ("秸秆焚烧", 0.10, "@street")],
    "城乡建设与道路": [("道路破损", 0.22, "区交通运输局"), ("路灯不亮", 0.16, "区城市管理局"),
                ("违章建筑", 0.14, "区综合行政执法局"), ("道路积水", 0.12, "区城市管理局"),
                ("井盖缺失", 0.08, "区城市管理局"), ("施工扰民", 0.14, "区住建局"),
                ("农村道路", 0.14, "@street")],
    "供暖": [("暖气不热", 0.52, "区供热公司"), ("停暖", 0.12, "区供热公司"), ("供暖收费", 0.14, "区供热公司"),
           ("管道漏水", 0.12, "区供热公司"), ("申请供暖", 0.10, "区住建局")],
    "物业管理": [("物业服务差", 0.26, "区住建局"), ("电梯故障", 0.14, "区市场监督管理局"),
             ("公共维修", 0.18, "@street"), ("停车管理", 0.14, "@street"), ("物业收费", 0.14, "区住建局"),
             ("楼道杂物", 0.14, "@street")],
    "水电气": [("停水", 0.20, "区水务集团"), ("水压低", 0.12, "区水务集团"), ("停电", 0.24, "国网章丘供电公司"),
            ("电价电费", 0.12, "国网章丘供电公司"), ("燃气故障", 0.18, "区燃气公司"), ("燃气缴费", 0.14, "区燃气公司")],
    "社会保障": [("养老保险", 0.22, "区人力资源和社会保障局"), ("医保报销", 0.24, "区医疗保障局"),
             ("低保救助", 0.16, "区民政局"), ("欠薪讨薪", 0.18, "区人力资源和社会保障局"),
             ("就业补贴", 0.10, "区人力资源和社会保障局"), ("残疾人补贴", 0.10, "区残疾人联合会")],
    "市场监管": [("食品安全", 0.30, "区市场监督管理局"), ("价格欺诈", 0.18, "区市场监督管理局"),
             ("产品质量", 0.16, "区市场监督管理局"), ("消费纠纷", 0.24, "区市场监督管理局"),
             ("无证经营", 0.12, "区市场监督管理局")],
    "其他诉求": [("公交线路", 0.20, "区交通运输局"), ("教育入学", 0.22, "区教育和体育局"),
             ("户籍业务", 0.16, "区公安分局"), ("宠物扰民", 0.12, "@street"), ("其他咨询", 0.30, "@street")],
}


def street_office(name: str) -> str:
    """The street office of a street or town (e.g. "明水街道办事处", "刁镇人民政府")."""
    return name + ("人民政府" if name.endswith("镇") else "办事处")


def mediation_committee(name: str) -> str:
    """The people's mediation committee of a street or town."""
    return name + "人民调解委员会"


def category_rows() -> list[dict]:
    """The demo's `categories` rows: each level-1 category and its level-2 subcategories, with handling."""
    handling = {DISPUTES: "dispute", KEY_PATROL: "key_patrol"}
    rows = []
    for name, english in CATEGORY_EN.items():
        kind = handling.get(name, "ordinary")
        rows.append({"level1": name, "level2": "", "level3": "", "name_en": english, "handling": kind})
        rows += [{"level1": name, "level2": sub, "level3": "", "name_en": None, "handling": kind}
                 for sub, _, _ in SUBCATEGORIES[name]]
    return rows
