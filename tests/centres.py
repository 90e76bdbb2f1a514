"""Stores of centres other than the demo, built through the real importer (no pytest here).

Each builder takes a store URL, imports a centre's own export into it with `civicdesk.ingest.import_file`
and returns the engine:

- `tipdm_store(url)`: the TipDM 2020 智慧政务 workbooks (a Chinese city's leader-message board; seven
  level-1 classes, no street, no channel, reply times as closing times, no callbacks);
- `la311_store(url)`: the Los Angeles MyLA311 subset (five days; request types as categories);
- `other_centre_store(url, headers=...)`: a synthetic centre written as a CSV here: 120 level-1 classes
  with a long tail, each with level-2/3 classes, its own districts, ~20,000 tickets over 18 months with a
  weekly and a seasonal pattern, no roster; optionally no channel column, optionally callback results.

The real-data builders raise `RealDataMissing` when ../shared/realdata is absent; a fixture turns that
into `pytest.skip(str(exc))`. `built_sqlite(name)` builds each store once per process.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from civicdesk import config, ingest, store
from civicdesk.ingest.profiles import parse_profile

SMARTGOV_DIR = config.REALDATA_DIR / "cn_taidi2020_smartgov"
SMARTGOV_FILES = ("fj2_sample_labeled_495.xlsx", "fj4_messages_with_replies_2816.xlsx")
#: The seven level-1 classes of the labelled TipDM sample, kept as themselves.
SMARTGOV_CLASSES = frozenset({"城乡建设", "劳动和社会保障", "教育文体", "卫生计生", "交通运输", "商贸旅游", "环境保护"})
LA311_FILE = config.REALDATA_DIR / "us_la311_2017_subset" / "MyLA311_Service_Request_Data_2017_Subset.csv"
#: The request types of the LA 311 subset, kept as themselves.
LA311_TYPES = frozenset({"Bulky Items", "Graffiti Removal", "Illegal Dumping Pickup", "Metal/Household Appliances",
                         "Electronic Waste", "Homeless Encampment", "Dead Animal Removal", "Other",
                         "Single Streetlight Issue", "Multiple Streetlight Issue", "Report Water Waste", "Feedback"})
#: "Now" for imports of the synthetic centre (its tickets end before it), so runs do not depend on the clock.
OTHER_NOW = pd.Timestamp("2024-01-01")


class RealDataMissing(RuntimeError):
    """The shared real-data folder (or a file in it) is absent on this machine."""


def _need(path: Path) -> Path:
    if not path.exists():
        raise RealDataMissing(f"real data {path} is absent; tests on it are skipped")
    return path


#: The stores `built_sqlite` knows, by name: builder and keyword arguments.
STORES = {
    "tipdm": ("tipdm_store", {}),
    "la311": ("la311_store", {}),
    "other_zh": ("other_centre_store", {"headers": "zh"}),  # channel column, no callbacks
    "other_en": ("other_centre_store", {"headers": "en", "channel": False, "callbacks": True}),
}
_BUILT: dict[str, Path] = {}


def built_sqlite(name: str) -> str:
    """URL of a SQLite store built once per process by the builder `STORES[name]` (read-only for tests).

    Raises:
        RealDataMissing: the store needs the shared real data and it is absent.
    """
    if name not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix=f"civicdesk-{name}-"))
        builder, options = STORES[name]
        engine = globals()[builder](f"sqlite:///{folder / 'store.db'}", **options)
        engine.dispose()
        _BUILT[name] = folder / "store.db"
    return f"sqlite:///{_BUILT[name]}"


# --------------------------------------------------------------------------------------------- real data


def tipdm_store(url: str) -> Engine:
    """The TipDM 智慧政务 sample (495 labelled messages) and the 2,816 messages with replies.

    Args:
        url: an empty store's URL.

    Raises:
        RealDataMissing: the shared real-data folder is absent.
    """
    paths = [_need(SMARTGOV_DIR / name) for name in SMARTGOV_FILES]
    engine = store.connect(url)
    for path in paths:
        ingest.import_file(engine, path, profile="smartgov")
    return engine


def la311_store(url: str) -> Engine:
    """The Los Angeles MyLA311 subset (9,999 requests, 2017-12-27 → 12-31), request types as categories.

    Raises:
        RealDataMissing: the shared real-data folder is absent.
    """
    path = _need(LA311_FILE)
    engine = store.connect(url)
    ingest.import_file(engine, path, profile="la311")
    return engine


def _write_categories(engine: Engine, frame: pd.DataFrame) -> None:
    from civicdesk.store.categories import write_categories

    with engine.begin() as conn:
        write_categories(conn, frame, origin="file")


# --------------------------------------------------------------------------------- the synthetic centre

#: Level-1 roots of the other centre's taxonomy (Chinese, English); each gives three level-1 classes.
_ROOTS = (
    ("住房保障", "Housing security"), ("公共交通", "Public transport"), ("医疗卫生", "Health care"),
    ("教育招生", "School admissions"), ("就业创业", "Jobs and start-ups"), ("养老服务", "Elderly care"),
    ("户籍管理", "Household registration"), ("交通秩序", "Traffic order"), ("停车管理", "Parking"),
    ("噪声扰民", "Noise"), ("垃圾分类", "Waste sorting"), ("园林绿化", "Parks and greenery"),
    ("市容秩序", "Street order"), ("食品安全", "Food safety"), ("药品监管", "Medicines"),
    ("劳动争议", "Labour disputes"), ("欠薪维权", "Unpaid wages"), ("社会救助", "Social assistance"),
    ("残疾人服务", "Disability services"), ("退役军人服务", "Veterans' services"), ("医保报销", "Medical insurance"),
    ("社保缴费", "Social insurance contributions"), ("住房公积金", "Housing provident fund"),
    ("不动产登记", "Property registration"), ("征收补偿", "Expropriation compensation"),
    ("农村土地", "Rural land"), ("农业补贴", "Farm subsidies"), ("防汛排涝", "Flood control"),
    ("消防安全", "Fire safety"), ("电梯安全", "Lift safety"), ("通信网络", "Telecoms"),
    ("快递物流", "Parcels and logistics"), ("文化旅游", "Culture and tourism"), ("体育设施", "Sports facilities"),
    ("犬只管理", "Dog control"), ("邻里纠纷", "Neighbour disputes"), ("婚姻家庭", "Marriage and family"),
    ("消费投诉", "Consumer complaints"), ("校外培训", "Private tutoring"), ("户外广告", "Outdoor advertising"),
)
_ASPECTS = (("咨询", "enquiries"), ("投诉", "complaints"), ("建议", "suggestions"))
_LEVEL2 = ("办理流程", "服务质量", "收费问题", "设施维护", "信息公开")
_LEVEL3 = ("一般事项", "重复反映", "紧急事项")
#: The other centre's districts (not the demo's streets) and their relative sizes.
OTHER_DISTRICTS = ("临江街道", "清河街道", "望湖街道", "北山镇", "东岗镇", "南屿乡", "西塘街道", "桃源镇",
                   "石桥乡", "金沙街道", "云岭镇", "河口街道")
_HEADERS = {
    "zh": {"source_id": "受理编号", "created_at": "登记时间", "channel": "来源渠道", "category": "一级分类",
           "subcategory": "二级分类", "level3": "三级分类", "street": "所属区域", "description": "诉求内容",
           "caller_phone": "联系电话", "closed_at": "办结时间", "callback_result": "回访结果"},
    "en": {"source_id": "ticket_no", "created_at": "create_time", "channel": "source_channel",
           "category": "category_l1", "subcategory": "category_l2", "level3": "category_l3", "street": "district",
           "description": "content", "caller_phone": "contact_phone", "closed_at": "finish_time",
           "callback_result": "callback_result"},
}
_CHANNEL_VALUES = {"zh": ("市民热线", "网上留言", "微信小程序", "来人来访"),
                   "en": ("phone", "web", "wechat", "walk_in")}
_CALLBACK_VALUES = {"zh": ("满意", "基本满意", "不满意", "未接通"),
                    "en": ("satisfied", "basically_satisfied", "unsatisfied", "not_reached")}


def other_taxonomy() -> pd.DataFrame:
    """The other centre's three-level taxonomy: level1, level2, level3, name_en (120 level-1 classes)."""
    rows = []
    for root, root_en in _ROOTS:
        for aspect, aspect_en in _ASPECTS:
            rows.append((root + aspect, "", "", f"{root_en}: {aspect_en}"))  # the level-1 row names it in English
            for l2 in _LEVEL2:
                for l3 in _LEVEL3:
                    rows.append((root + aspect, root + l2, l3, None))
    return pd.DataFrame(rows, columns=["level1", "level2", "level3", "name_en"])


def _daily_counts(rng: np.random.Generator, days: pd.DatetimeIndex, per_day: float) -> np.ndarray:
    """Poisson counts with a weekly pattern (weekends lower), a summer peak and a mild upward trend."""
    weekly = np.where(days.day_of_week >= 5, 0.55, 1.0) * np.where(days.day_of_week == 0, 1.15, 1.0)
    seasonal = 1.0 + 0.25 * np.sin(2 * np.pi * (days.day_of_year.to_numpy() - 105) / 365.25)
    trend = np.linspace(0.9, 1.1, len(days))
    mean = per_day * weekly * seasonal * trend
    return rng.poisson(mean / mean.mean() * per_day)


def _arrival_times(rng: np.random.Generator, days: pd.DatetimeIndex, counts: np.ndarray) -> pd.DatetimeIndex:
    """Arrival times within each day, peaking 9-11 and 14-16."""
    hourly = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 12, 8, 12, 16, 16, 12, 9, 7, 6, 5, 4, 2, 1], float)
    n = int(counts.sum())
    hours = rng.choice(24, size=n, p=hourly / hourly.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, size=n)
    day = np.repeat(days.to_numpy(), counts)
    return pd.DatetimeIndex(day + pd.to_timedelta(seconds, unit="s").to_numpy()).sort_values()


def _pick_categories(rng: np.random.Generator, taxonomy: pd.DataFrame, n: int) -> pd.DataFrame:
    """Level-1 classes with a Zipf-like long tail (a seeded order), level-2/3 uniform within them."""
    level1 = taxonomy["level1"].drop_duplicates().to_numpy()  # in file order: the order is seeded below
    order = rng.permutation(len(level1))
    weights = 1.0 / np.arange(1, len(level1) + 1) ** 1.1
    l1 = level1[order][rng.choice(len(level1), size=n, p=weights / weights.sum())]
    l2_index = rng.integers(0, len(_LEVEL2), size=n)
    l3_index = rng.integers(0, len(_LEVEL3), size=n)
    roots = pd.Series(l1).str[:-2].to_numpy()
    l2 = np.char.add(roots.astype(str), np.array(_LEVEL2)[l2_index])
    return pd.DataFrame({"category": l1, "subcategory": l2, "level3": np.array(_LEVEL3)[l3_index]})


def other_centre_frame(seed: int = 0, headers: str = "zh", *, channel: bool = True, callbacks: bool = False,
                       start: str = "2022-01-01", months: int = 18, per_day: float = 36.5) -> pd.DataFrame:
    """The other centre's export as a table with `headers` ("zh" or "en") column names.

    Args:
        seed: the random seed (numpy Generator).
        headers: header language of the export.
        channel: include a channel column (without one every ticket is stored with channel "other").
        callbacks: include a callback-result column (satisfaction lower for late and repeated tickets).
        start: first day; `months` months of tickets follow.
        per_day: mean tickets a day (36.5 over 18 months is about 20,000 tickets).
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1))
    created = _arrival_times(rng, days, _daily_counts(rng, days, per_day))
    n = len(created)
    cats = _pick_categories(rng, other_taxonomy(), n)
    size = rng.dirichlet(np.full(len(OTHER_DISTRICTS), 3.0))
    street = np.array(OTHER_DISTRICTS)[rng.choice(len(OTHER_DISTRICTS), size=n, p=size)]
    hours = rng.lognormal(np.log(60), 1.0, size=n)
    closed = pd.Series(created + pd.to_timedelta(hours, unit="h"))
    closed[closed > days[-1] + pd.Timedelta(days=1)] = pd.NaT  # still open at the export
    phones = 13800000000 + rng.integers(0, n // 3, size=n)
    frame = pd.DataFrame({
        "source_id": [f"OC{seed}-{i:06d}" for i in range(n)],
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "category": cats["category"], "subcategory": cats["subcategory"], "level3": cats["level3"],
        "street": street,
        "description": street + _places(rng, n) + "：反映" + cats["subcategory"] + "（" + cats["level3"] + "），"
        + _phrases(rng, n),
        "caller_phone": phones.astype(str),
        "closed_at": closed.dt.strftime("%Y-%m-%d %H:%M:%S").where(closed.notna(), ""),
    })
    _plant_hot_topic(frame, days[-1])
    if channel:
        frame.insert(2, "channel", np.array(_CHANNEL_VALUES[headers])[
            rng.choice(4, size=n, p=[0.62, 0.25, 0.1, 0.03])])
    if callbacks:
        frame["callback_result"] = _callbacks(rng, hours, closed.notna().to_numpy(), headers)
    return frame.rename(columns=_HEADERS[headers])


#: A topic planted in the last complete week, for the hot-topic analysis to find.
HOT_TOPIC = "地下车库积水"
HOT_STREET = "临江街道"


def _plant_hot_topic(frame: pd.DataFrame, last_day: pd.Timestamp) -> None:
    """Every third ticket of `HOT_STREET` in the last complete ISO week reports a flooded underground car park."""
    sunday = last_day - pd.Timedelta(days=(last_day.day_of_week + 1) % 7)
    created = pd.to_datetime(frame["created_at"])
    week = (created >= sunday - pd.Timedelta(days=6)) & (created < sunday + pd.Timedelta(days=1))
    rows = frame.index[week & (frame["street"] == HOT_STREET)][::3]
    frame.loc[rows, "description"] = HOT_STREET + "滨江花园小区：暴雨后" + HOT_TOPIC + "严重，车辆被淹，请尽快排水"


def _places(rng: np.random.Generator, n: int) -> np.ndarray:
    names = np.array(["幸福里小区", "和平村", "滨江花园小区", "朝阳社区", "建设路", "向阳小区", "新华村", "工业园区"])
    return names[rng.integers(0, len(names), size=n)]


def _phrases(rng: np.random.Generator, n: int) -> np.ndarray:
    words = np.array(["多次反映未解决，请尽快处理", "希望相关部门核实", "影响正常生活", "咨询具体办理要求",
                      "建议加强日常管理", "已持续一周", "请求给予答复"])
    return words[rng.integers(0, len(words), size=n)]


def _callbacks(rng: np.random.Generator, hours: np.ndarray, closed: np.ndarray, headers: str) -> np.ndarray:
    """Callback results for closed tickets: 70% reached; satisfaction falls with the time to close."""
    late = hours > 24 * 7
    p_unsat = np.where(late, 0.25, 0.07)
    u = rng.random(len(hours))
    result = np.where(u < p_unsat, 2, np.where(u < p_unsat + 0.2, 1, 0))
    result = np.where(rng.random(len(hours)) < 0.3, 3, result)
    values = np.array(_CALLBACK_VALUES[headers] + ("",))
    return values[np.where(closed, result, 4)]


def other_centre_profile(headers: str = "zh"):
    """The import profile for the other centre: no header synonyms (the mapping is explicit), its values."""
    channels = dict(zip(_CHANNEL_VALUES[headers], ("hotline", "app", "app", "visit")))
    return parse_profile({"name": "othercentre", "label": "其他中心工单导出", "label_en": "Another centre's export",
                          "source": "othercentre", "columns": {}, "values": {"channel": channels}})


def other_centre_mapping(frame: pd.DataFrame, headers: str = "zh") -> dict[str, str]:
    """field → header for every mapped field present in `frame` (the three-level column stays unmapped)."""
    return {name: header for name, header in _HEADERS[headers].items()
            if name != "level3" and header in frame.columns}


def other_centre_store(url: str, headers: str = "zh", seed: int = 0, *, channel: bool = True,
                       callbacks: bool = False, **frame_options) -> Engine:
    """A synthetic other centre imported through `ingest.import_file` with an explicit mapping.

    Args:
        url: an empty store's URL.
        headers: "zh" or "en" column names in the CSV.
        seed: random seed of the export.
        channel: whether the export has a channel column.
        callbacks: whether the export has a callback-result column.
        **frame_options: passed to `other_centre_frame` (start, months, per_day).

    Returns:
        The store's engine, its tickets imported and the three-level taxonomy loaded (when the store has a
        categories table).
    """
    if headers not in _HEADERS:
        raise ValueError(f"headers must be 'zh' or 'en', not {headers!r}")
    frame = other_centre_frame(seed, headers, channel=channel, callbacks=callbacks, **frame_options)
    engine = store.connect(url)
    with tempfile.TemporaryDirectory(prefix="civicdesk-other-") as tmp:
        path = Path(tmp) / f"other_centre_{headers}_{seed}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig" if headers == "zh" else "utf-8")
        ingest.import_file(engine, path, profile=other_centre_profile(headers),
                           mapping=other_centre_mapping(frame, headers), now=OTHER_NOW)
    _write_categories(engine, other_taxonomy())  # the centre's category file, with English names
    return engine
