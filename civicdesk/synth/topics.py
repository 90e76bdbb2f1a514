"""Planted emerging topics and persistent repeat callers (the truth hot-topic detection and repeat
analysis must recover).

A topic adds Poisson extra tickets at `rate` per day (× scale) in one street (at one 小区 or village
when `place` is "xq" or "village") with descriptions carrying its keyword. A persistent caller calls
the hotline again and again about the same problem over weeks (not scaled: one person is one person).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicdesk.synth.catalog import CATEGORIES, CHANNELS, SUBCATEGORIES
from civicdesk.synth.places import STREET_SPECS, Places


@dataclass(frozen=True)
class TopicSpec:
    """An emerging topic: extra tickets with a keyword in one street, place and period."""

    name: str
    keyword: str
    street: str  # street code
    category: str
    subcategory: str
    start: str
    end: str
    rate: float  # extra tickets per day at scale 1
    place: str  # "xq" (one 小区), "village" (one village) or "street" (anywhere in the street)
    channels: tuple[float, float, float, float, float]  # hotline, grid, app, visit, other
    templates: tuple[str, ...]


TOPICS: list[TopicSpec] = [
    TopicSpec("小区暖气不热集中投诉", "暖气不热", "mingshui", "供暖", "暖气不热", "2023-12-04", "2023-12-17", 12.0,
              "xq", (0.8, 0.0, 0.2, 0.0, 0.0),
              ("{site}{bld}号楼暖气不热，室温只有{t}度，多次联系供热公司未解决",
               "{site}整个小区暖气不热，家里老人孩子受冻，要求尽快处理",
               "反映{site}暖气不热，{bld}号楼{unit}单元室温不到{t}度",
               "{site}供暖后暖气一直不热，邻居们都是这样，请求排查管网")),
    TopicSpec("土地承包合同纠纷", "土地承包合同", "guanzhuang", "矛盾纠纷化解", "土地承包纠纷", "2023-10-16",
              "2023-12-15", 1.6, "village", (0.35, 0.25, 0.0, 0.40, 0.0),
              ("{site}村民反映土地承包合同到期后村委重新发包，原承包户不同意",
               "{site}土地承包合同租金标准有争议，多户村民要求调解",
               "反映{site}村集体与承包大户土地承包合同纠纷，涉及流转土地{n}亩",
               "{site}部分村民对土地承包合同续签方案不满，要求公开")),
    TopicSpec("电动车充电安全隐患", "电动车充电", "shuangshan", "安全隐患排查", "用电安全隐患", "2023-05-08",
              "2023-07-09", 3.0, "street", (0.35, 0.45, 0.20, 0.0, 0.0),
              ("{site}{bld}号楼楼道内电动车充电，私拉电线，存在火灾隐患",
               "{site}居民将电瓶带回家中电动车充电，建议增设充电桩",
               "{site}地下室电动车充电乱象，飞线充电多处",
               "反映{site}缺少电动车充电设施，居民楼道充电存在安全隐患")),
]


@dataclass(frozen=True)
class PersistentCaller:
    """A planted persistent repeat caller."""

    name: str
    street: str  # street code
    category: str
    subcategory: str
    periods: tuple[tuple[str, str], ...]
    gap_days: tuple[float, float]  # uniform gap between calls
    place: str  # "village" or "xq"
    templates: tuple[str, ...]


PERSISTENT_CALLERS: list[PersistentCaller] = [
    PersistentCaller("机井电价反复来电", "gaoguanzhai", "水电气", "电价电费",
                     (("2022-03-14", "2022-05-31"), ("2023-03-20", "2023-05-10")), (2.0, 6.0), "village",
                     ("反映{site}机井电价过高，浇地用电按{p}元一度收费，要求按农业电价执行",
                      "再次反映{site}机井电价过高问题，至今没有答复",
                      "{site}村民反映灌溉机井电费太贵，比邻村高出一倍，要求核查",
                      "多次反映{site}机井电价问题，供电所说是村里定的，村里说是供电所定的")),
    PersistentCaller("烧烤店油烟反复投诉", "mingshui", "环境保护", "油烟扰民",
                     (("2023-06-05", "2023-08-31"),), (3.0, 7.0), "xq",
                     ("{site}{bld}号楼底商烧烤店油烟直排，晚上开窗全是烟味",
                      "再次反映{site}楼下烧烤店油烟扰民，经营到凌晨，噪声也很大",
                      "{site}烧烤店油烟问题反映多次仍未解决，要求执法部门处理")),
]


@dataclass(frozen=True)
class Extras:
    """Extra (planted) tickets: one entry per ticket."""

    street: np.ndarray
    category: np.ndarray
    subcategory: np.ndarray  # index into the flat subcategory list
    channel: np.ndarray
    day: np.ndarray  # day index
    grid: np.ndarray
    topic: np.ndarray  # index into TOPICS, -1 if none
    persistent: np.ndarray  # index into PERSISTENT_CALLERS, -1 if none
    site: list[str | None]  # fixed site name (小区 / village) or None


def flat_subcategories() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Flat list of subcategory names, their category index and their weight within the category."""
    names, cats, weights = [], [], []
    for c, cat in enumerate(CATEGORIES):
        for name, w, _ in SUBCATEGORIES[cat]:
            names.append(name)
            cats.append(c)
            weights.append(w)
    return names, np.array(cats), np.array(weights)


def _pick_grid(rng: np.random.Generator, places: Places, s: int, kind: str) -> tuple[int, str]:
    idx = np.flatnonzero(places.grid_street == s)
    urban = places.grid_urban[idx]
    pool = idx[urban] if kind == "xq" and urban.any() else idx[~urban] if kind == "village" and (~urban).any() else idx
    g = int(rng.choice(pool))
    return g, str(rng.choice(places.grid_places[g]))


def topic_rates(days: pd.DatetimeIndex, scale: float) -> np.ndarray:
    """Expected extra tickets per topic and day, shape (topics, days)."""
    out = np.zeros((len(TOPICS), len(days)))
    for k, t in enumerate(TOPICS):
        m = (days >= pd.Timestamp(t.start)) & (days <= pd.Timestamp(t.end))
        out[k, m] = t.rate * scale
    return out


def draw_extras(rng: np.random.Generator, places: Places, days: pd.DatetimeIndex, scale: float,
                ) -> tuple[Extras, pd.DataFrame, list[dict]]:
    """Draw the planted topic tickets and persistent callers' calls.

    Returns:
        (extra tickets, topics truth frame, persistent callers' info dicts).
    """
    codes = [spec[0] for spec in STREET_SPECS]
    sub_names, sub_cat, _ = flat_subcategories()
    cols: dict[str, list] = {k: [] for k in ("street", "category", "subcategory", "channel", "day", "grid",
                                             "topic", "persistent", "site")}

    def add(n, s, c, sc, ch, d, g, topic, pers, site):
        for key, val in (("street", s), ("category", c), ("subcategory", sc), ("channel", ch), ("day", d),
                         ("grid", g), ("topic", topic), ("persistent", pers)):
            cols[key].append(np.broadcast_to(np.asarray(val), (n,)).astype(np.int64))
        cols["site"].extend(site if isinstance(site, list) else [site] * n)

    rates = topic_rates(days, scale)
    rows = []
    for k, t in enumerate(TOPICS):
        s = codes.index(t.street)
        c = CATEGORIES.index(t.category)
        sc = next(i for i, (nm, cc) in enumerate(zip(sub_names, sub_cat)) if nm == t.subcategory and cc == c)
        g, site = _pick_grid(rng, places, s, t.place)
        counts = rng.poisson(rates[k])
        n = int(counts.sum())
        d = np.repeat(np.arange(len(days)), counts)
        ch = rng.choice(len(CHANNELS), size=n, p=np.asarray(t.channels))
        if t.place == "street":
            gi = np.flatnonzero((places.grid_street == s) & places.grid_urban)
            grid = rng.choice(gi, size=n)
            sites = [str(rng.choice(places.grid_places[x])) for x in grid]
        else:
            grid, sites = np.full(n, g), [site] * n
        add(n, s, c, sc, ch, d, grid, k, -1, sites)
        rows.append({"name": t.name, "keyword": t.keyword, "street": STREET_SPECS[s][1], "category": t.category,
                     "subcategory": t.subcategory, "place": site if t.place != "street" else None,
                     "start": pd.Timestamp(t.start), "end": pd.Timestamp(t.end), "daily_rate": t.rate * scale,
                     "extra_tickets": n})
    persistent = []
    lo, hi = days[0] if len(days) else None, days[-1] if len(days) else None
    for k, p in enumerate(PERSISTENT_CALLERS):
        s = codes.index(p.street)
        c = CATEGORIES.index(p.category)
        sc = next(i for i, (nm, cc) in enumerate(zip(sub_names, sub_cat)) if nm == p.subcategory and cc == c)
        g, site = _pick_grid(rng, places, s, p.place)
        call_days = []
        for first, last in p.periods:
            t, stop = pd.Timestamp(first), pd.Timestamp(last)
            while t <= stop:
                call_days.append(t)
                t = t + pd.Timedelta(days=float(rng.uniform(*p.gap_days)))
        dd = pd.DatetimeIndex(call_days).normalize()
        dd = dd[(dd >= lo) & (dd <= hi)] if lo is not None else dd[:0]
        d = np.asarray((dd - days[0]).days, dtype=np.int64) if len(dd) else np.zeros(0, dtype=np.int64)
        add(len(d), s, c, sc, 0, d, g, -1, k, site)
        persistent.append({"name": p.name, "street": STREET_SPECS[s][1], "grid": g, "site": site,
                           "calls": len(d)})
    arrays = {k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64)) for k, v in cols.items() if k != "site"}
    topics = pd.DataFrame(rows, columns=["name", "keyword", "street", "category", "subcategory", "place", "start",
                                         "end", "daily_rate", "extra_tickets"])
    topics["place"] = topics["place"].astype(object).where(topics["place"].notna(), None)
    return Extras(site=cols["site"], **arrays), topics, persistent
