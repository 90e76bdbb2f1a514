"""Places and people of the demo district: Zhangqiu's 18 streets, their grids, communities,
villages, 小区 and roads, and the staff roster (grid workers, mediators, acceptors, dispatchers).

Everything is drawn from a `numpy.random.Generator` passed in; nothing happens at import.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import numpy as np
import pandas as pd

# (code, Chinese name, kind, number of grids, urban share of grids, grid-report intensity)
STREET_SPECS: list[tuple[str, str, str, int, float, float]] = [
    ("mingshui", "明水街道", "街道", 110, 0.95, 1.0),
    ("shuangshan", "双山街道", "街道", 105, 0.90, 1.0),
    ("zaoyuan", "枣园街道", "街道", 60, 0.30, 0.95),
    ("longshan", "龙山街道", "街道", 55, 0.30, 1.0),
    ("bucun", "埠村街道", "街道", 55, 0.30, 0.95),
    ("shengjing", "圣井街道", "街道", 70, 0.55, 1.05),
    ("puji", "普集街道", "街道", 60, 0.30, 0.95),
    ("xiuhui", "绣惠街道", "街道", 65, 0.30, 1.6),
    ("xianggongzhuang", "相公庄街道", "街道", 60, 0.25, 0.95),
    ("wenzu", "文祖街道", "街道", 50, 0.15, 0.9),
    ("guanzhuang", "官庄街道", "街道", 55, 0.20, 0.95),
    ("gaoguanzhai", "高官寨街道", "街道", 50, 0.15, 0.9),
    ("baiyunhu", "白云湖街道", "街道", 50, 0.20, 0.9),
    ("ningjiabu", "宁家埠街道", "街道", 55, 0.20, 0.95),
    ("caofan", "曹范街道", "街道", 45, 0.15, 0.9),
    ("diaozhen", "刁镇", "镇", 65, 0.25, 1.0),
    ("duozhuang", "垛庄镇", "镇", 40, 0.10, 0.85),
    ("huanghe", "黄河镇", "镇", 45, 0.10, 0.85),
]

_PINYIN_EN = {
    "mingshui": "Mingshui", "shuangshan": "Shuangshan", "zaoyuan": "Zaoyuan", "longshan": "Longshan",
    "bucun": "Bucun", "shengjing": "Shengjing", "puji": "Puji", "xiuhui": "Xiuhui",
    "xianggongzhuang": "Xianggongzhuang", "wenzu": "Wenzu", "guanzhuang": "Guanzhuang",
    "gaoguanzhai": "Gaoguanzhai", "baiyunhu": "Baiyunhu", "ningjiabu": "Ningjiabu", "caofan": "Caofan",
    "diaozhen": "Diaozhen", "duozhuang": "Duozhuang", "huanghe": "Huanghe",
}

SURNAMES = list("王李张刘陈杨赵孙周吴徐马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
                "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟秦邱江尹薛闫段雷侯史陶贺顾毛郝龚"
                "邵万钱严武戴孔汤亓翟巩鹿")
GIVEN_1 = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚辉鹏华飞玲波宁斌浩凯健亮萍燕红梅雪琳晨昊")
GIVEN_2 = ["秀英", "桂英", "建华", "玉兰", "志强", "海燕", "红梅", "晓东", "建国", "立新", "春梅", "文静",
           "子涵", "雨萱", "浩然", "俊杰", "振华", "国强", "丽娟", "淑芬", "保国", "德胜", "庆华", "金凤",
           "永刚", "新民", "秋菊", "宏伟", "晓燕", "明辉", "志刚", "凤英", "云霞", "广田", "兆峰", "传明"]
_VILLAGE_PRE = ["", "", "", "东", "西", "南", "北", "前", "后", "大", "小", "上", "下"]
_VILLAGE_SUF = ["家庄", "庄", "家村", "家峪", "家寨", "家洼", "官庄", "家店", "家屯", "家桥", "家楼", "套"]
_NAMED_VILLAGES = ["柳林", "石河", "河东", "河西", "东营", "西营", "三涧", "龙泉", "桃花峪", "杏林", "白泉",
                   "青野", "朱家峪", "南明", "北明", "孟家", "东矾硫", "西矾硫", "岳滋", "黄桑院", "郭家埠"]
_COMMUNITY_ROOTS = ["绣水", "东城", "西城", "汇泉", "明湖", "百脉", "清照", "龙泉", "山泉", "福泰", "锦屏",
                    "金盘", "三涧", "丰年", "樱花", "温泉", "东山", "唐王", "阳光", "翠屏", "泉城", "文昌",
                    "龙盘", "凤凰", "东岭", "杏林", "书香", "新华", "和平", "如意", "锦绣", "紫薇", "玉泉",
                    "银河", "长青", "明珠", "兴隆", "北苑", "南苑", "西苑"]
_XQ_ROOTS = ["百脉", "清照", "明湖", "锦绣", "东方", "阳光", "福泰", "御景", "书香", "泉韵", "翡翠", "龙盘",
             "紫薇", "翠湖", "丽景", "康城", "和园", "香榭", "世纪", "新城", "万象", "盛世", "凤凰", "绣源",
             "汇泉", "东湖", "金色", "水岸", "名仕", "馨苑", "泉景", "荷花", "银座", "丰泽", "怡和", "瑞园",
             "山水", "碧桂", "嘉和", "乾城", "绿地", "鲁能", "华府", "雅居", "润泽", "开元", "宏程", "学府"]
_XQ_SUF = ["花园", "家园", "小区", "苑", "府", "名都", "嘉园", "佳苑", "公寓", "新村", "华庭", "雅苑"]
_ROAD_ROOTS = ["汇泉", "山泉", "明水", "百脉泉", "绣江", "唐王山", "双山", "经十", "世纪", "龙泉", "铁道北",
               "福康", "城东", "城西", "工业", "站前", "东岭", "清照", "绣源河", "旭升", "文博", "秀水",
               "官庄", "埠村", "圣井", "普集", "刁镇", "相公", "宁埠", "黄河", "白云", "文祖", "曹范",
               "垛庄", "枣园", "龙山", "高官寨", "章莱", "济青", "胶济"]
_ROAD_SUF = ["路", "路", "街", "大街", "大道"]


@dataclass(frozen=True)
class Places:
    """Reference places of the district.

    Attributes:
        streets: the streets table (street_id, code, name, name_en, kind, households).
        grids: the grids table (grid_id, street_id, name, community, households).
        grid_street: street index (0-based) of each grid, aligned with `grids`.
        grid_urban: whether a grid is urban (小区) or a village grid.
        grid_places: for each grid, the tuple of 小区 names (urban) or the village name (rural).
        street_roads: for each street, its road names.
        street_villages: for each street, its village names.
    """

    streets: pd.DataFrame
    grids: pd.DataFrame
    grid_street: np.ndarray
    grid_urban: np.ndarray
    grid_places: list[tuple[str, ...]]
    street_roads: list[list[str]]
    street_villages: list[list[str]]


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Plausible Chinese full names (surname + one- or two-character given name)."""
    sur = rng.choice(SURNAMES, n)
    two = rng.random(n) < 0.55
    g1 = rng.choice(GIVEN_1, n)
    g2 = rng.choice(GIVEN_2, n)
    return [s + (b if t else a) for s, a, b, t in zip(sur, g1, g2, two)]


def _unique_names(rng: np.random.Generator, n: int, make, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = make()
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _village_maker(rng: np.random.Generator):
    def make() -> str:
        if rng.random() < 0.15:
            return str(rng.choice(_NAMED_VILLAGES)) + "村"
        return str(rng.choice(_VILLAGE_PRE)) + str(rng.choice(SURNAMES)) + str(rng.choice(_VILLAGE_SUF)) + "村"
    return make


def build_places(rng: np.random.Generator) -> Places:
    """Draw the streets, grids, communities, villages, 小区 and roads of the district."""
    grid_rows: list[dict] = []
    grid_street, grid_urban, grid_places = [], [], []
    roads, villages_by_street = [], []
    for s, (code, name, kind, n_grids, urban_share, _) in enumerate(STREET_SPECS):
        n_urban = int(round(n_grids * urban_share))
        roads.append(_unique_names(rng, int(rng.integers(6, 10)),
                                   lambda: str(rng.choice(_ROAD_ROOTS)) + str(rng.choice(_ROAD_SUF)), set()))
        # urban grids: communities of 3-6 grids, each grid 1-3 小区
        k = 0
        comm_taken: set[str] = set()
        xq_taken: set[str] = set()
        while k < n_urban:
            size = min(int(rng.integers(3, 7)), n_urban - k)
            comm = _unique_names(rng, 1, lambda: str(rng.choice(_COMMUNITY_ROOTS)) + "社区", comm_taken)[0]
            for j in range(size):
                xqs = _unique_names(rng, int(rng.integers(1, 4)),
                                    lambda: str(rng.choice(_XQ_ROOTS)) + str(rng.choice(_XQ_SUF)), xq_taken)
                grid_rows.append({"street": s, "community": comm, "name": f"{comm}第{j + 1}网格"})
                grid_urban.append(True)
                grid_places.append(tuple(xqs))
                k += 1
        # rural grids: one village per grid, some large villages split in two
        vil_taken: set[str] = set()
        vils: list[str] = []
        k = 0
        while k < n_grids - n_urban:
            vil = _unique_names(rng, 1, _village_maker(rng), vil_taken)[0]
            vils.append(vil)
            size = 2 if (rng.random() < 0.15 and n_grids - n_urban - k >= 2) else 1
            for j in range(size):
                grid_rows.append({"street": s, "community": vil,
                                  "name": f"{vil}网格" if size == 1 else f"{vil}第{j + 1}网格"})
                grid_urban.append(False)
                grid_places.append((vil,))
                k += 1
        villages_by_street.append(vils)
        grid_street.extend([s] * n_grids)
    grid_street_arr = np.array(grid_street)
    households = rng.integers(300, 501, len(grid_rows))
    codes = [spec[0] for spec in STREET_SPECS]
    seq = np.zeros(len(STREET_SPECS), dtype=int)
    ids = []
    for s in grid_street_arr:
        seq[s] += 1
        ids.append(f"{codes[s]}-{seq[s]:03d}")
    grids = pd.DataFrame({
        "grid_id": ids,
        "street_id": (grid_street_arr + 1).astype(np.int64),
        "name": [r["name"] for r in grid_rows],
        "community": [r["community"] for r in grid_rows],
        "households": households.astype(np.int64),
    })
    hh = grids.groupby("street_id")["households"].sum()
    streets = pd.DataFrame({
        "street_id": np.arange(1, len(STREET_SPECS) + 1, dtype=np.int64),
        "code": codes,
        "name": [spec[1] for spec in STREET_SPECS],
        "name_en": [_PINYIN_EN[c] + (" Subdistrict" if spec[2] == "街道" else " Town")
                    for c, spec in zip(codes, STREET_SPECS)],
        "kind": [spec[2] for spec in STREET_SPECS],
        "households": hh.reindex(range(1, len(STREET_SPECS) + 1)).to_numpy(np.int64),
    })
    return Places(streets, grids, grid_street_arr, np.array(grid_urban), grid_places, roads, villages_by_street)


# ---------------------------------------------------------------------------------------------
# Staff roster
# ---------------------------------------------------------------------------------------------

#: Planted understaffing: (street code, first day short, last day short, grid workers missing).
UNDERSTAFFED: list[tuple[str, str, str, int]] = [
    ("shengjing", "2022-06-01", "2022-10-31", 29),
    ("bucun", "2023-03-01", "2023-05-31", 12),
]


def build_staff(rng: np.random.Generator, places: Places, start: date, end: date,
                growth: Callable[[pd.DatetimeIndex], np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the staff roster and the planted understaffing periods.

    One full-time grid worker per grid (a few replaced mid-period with no gap; in the planted
    understaffed periods some leave and are replaced only when the period ends), mediators by tier,
    district hotline acceptors and dispatchers. Following `growth` (the volume trend, 1 where one worker
    per grid is right), each street's headcount is set at the start of every quarter to keep pace with its
    volume (`_headcount_steps`): grids not yet staffed are covered by colleagues (兼管), and beyond one a
    grid, grids take a second worker (网格员增补).

    Returns:
        (staff table, understaffed truth frame [street, start, end, missing]).
    """
    rows: list[dict] = []
    grids = places.grids
    n = len(grids)
    names = iter(person_names(rng, 3 * n + 600))
    span = (end - start).days
    # grid workers
    leave_day: dict[int, tuple[date, date]] = {}
    under_rows = []
    for code, first, last, missing in UNDERSTAFFED:
        d0, d1 = date.fromisoformat(first), date.fromisoformat(last)
        if d1 < start or d0 > end:
            continue
        s = [sp[0] for sp in STREET_SPECS].index(code)
        idx = np.flatnonzero(places.grid_street == s)
        for g in rng.choice(idx, missing, replace=False):
            leave_day[int(g)] = (d0, d1)
        under_rows.append({"street": STREET_SPECS[s][1], "start": pd.Timestamp(d0), "end": pd.Timestamp(d1),
                           "missing": missing})
    turnover = set(rng.choice(n, max(1, n // 60), replace=False).tolist()) - set(leave_day)
    joins, extras = _headcount_steps(places, start, end, growth)
    for g in range(n):
        gid, sid = grids["grid_id"].iat[g], int(grids["street_id"].iat[g])
        base = {"role": "grid_worker", "street_id": sid, "grid_id": gid, "tier": None}
        first = joins.get(g, start)
        if first is None:  # not staffed within the period
            continue
        if g in leave_day:
            d0, d1 = leave_day[g]
            if d0 > first:
                rows.append({**base, "name": next(names), "active_from": first, "active_to": d0 - timedelta(days=1)})
            if d1 < end:
                rows.append({**base, "name": next(names), "active_from": max(first, d1 + timedelta(days=1)),
                             "active_to": None})
        elif g in turnover and g not in joins and span > 60:
            cut = start + timedelta(days=int(rng.integers(30, span - 30)))
            rows.append({**base, "name": next(names), "active_from": start, "active_to": cut})
            rows.append({**base, "name": next(names), "active_from": cut + timedelta(days=1), "active_to": None})
        else:
            rows.append({**base, "name": next(names), "active_from": first, "active_to": None})
    # mediators: building/grid mediators, community 和事佬 teams, street mediation centre, district
    for s, spec in enumerate(STREET_SPECS):
        sid = s + 1
        comms = grids.loc[grids["street_id"] == sid, "community"].unique()
        for tier, k in (("grid", max(2, len(comms) // 4)), ("community", 2 * max(3, len(comms) // 5)),
                        ("street", int(rng.integers(3, 7)))):
            for _ in range(k):
                rows.append({"name": next(names), "role": "mediator", "street_id": sid, "grid_id": None,
                             "tier": tier, "active_from": start, "active_to": None})
    for _ in range(8):
        rows.append({"name": next(names), "role": "mediator", "street_id": None, "grid_id": None,
                     "tier": "district", "active_from": start, "active_to": None})
    for role, k in (("acceptor", 36), ("dispatcher", 5)):
        for _ in range(k):
            rows.append({"name": next(names), "role": role, "street_id": None, "grid_id": None,
                         "tier": None, "active_from": start, "active_to": None})
    for g, first in extras:
        rows.append({"name": next(names), "role": "grid_worker", "street_id": int(grids["street_id"].iat[g]),
                     "grid_id": grids["grid_id"].iat[g], "tier": None, "active_from": first, "active_to": None})
    staff = pd.DataFrame(rows)
    staff.insert(0, "staff_id", [f"S{i + 1:05d}" for i in range(len(staff))])
    staff = staff[["staff_id", "name", "role", "street_id", "grid_id", "tier", "active_from", "active_to"]]
    staff["street_id"] = staff["street_id"].astype("Int64")
    for c in ("grid_id", "tier"):
        staff[c] = staff[c].astype(object).where(staff[c].notna(), None)
    staff["active_from"] = pd.to_datetime(staff["active_from"]).dt.date
    staff["active_to"] = pd.Series([None if v is None or pd.isna(v) else v for v in staff["active_to"]],
                                   dtype=object)
    understaffed = pd.DataFrame(under_rows, columns=["street", "start", "end", "missing"])
    return staff, understaffed


def _quarter_starts(start: date, end: date) -> pd.DatetimeIndex:
    """`start` and the first day of every later quarter up to `end`."""
    later = pd.date_range(pd.Timestamp(start) + pd.Timedelta(days=1), pd.Timestamp(end), freq="QS")
    return pd.DatetimeIndex([pd.Timestamp(start)]).append(later)


def _headcount_steps(places: Places, start: date, end: date, growth: Callable[[pd.DatetimeIndex], np.ndarray]
                     ) -> tuple[dict[int, date | None], list[tuple[int, date]]]:
    """When each grid-worker post is first filled. A street of n grids has round(n × growth(q)) posts from
    the start of each quarter q (never fewer than before); post k < n is grid k's own worker, post k ≥ n a
    second worker in grid k − n.

    Returns:
        (grids whose own worker starts after `start`: the day, or None when never within the period;
        the second workers as (grid, first day)).
    """
    quarters = _quarter_starts(start, end)
    level = growth(quarters)
    joins: dict[int, date | None] = {}
    extras: list[tuple[int, date]] = []
    for s in range(len(STREET_SPECS)):
        idx = np.flatnonzero(places.grid_street == s)
        posts = np.maximum.accumulate(np.round(len(idx) * level).astype(int))
        for k in range(max(int(posts.max()), len(idx))):
            filled = np.flatnonzero(posts > k)
            first = quarters[filled[0]].date() if len(filled) else None
            if k < len(idx) and first != start:
                joins[int(idx[k])] = first
            elif k >= len(idx) and first is not None:
                extras.append((int(idx[k % len(idx)]), first))
    return joins, extras


def active_grid_workers(staff: pd.DataFrame, days: pd.DatetimeIndex, n_streets: int) -> np.ndarray:
    """Number of grid workers active per street and day, shape (n_streets, len(days))."""
    gw = staff[staff["role"] == "grid_worker"]
    d = days.to_numpy().astype("datetime64[D]")
    frm = pd.to_datetime(gw["active_from"]).to_numpy().astype("datetime64[D]")
    to = pd.to_datetime(gw["active_to"].astype(object)).to_numpy().astype("datetime64[D]")
    to = np.where(np.isnat(to), np.datetime64("2100-01-01"), to)
    out = np.zeros((n_streets, len(d)))
    sid = gw["street_id"].to_numpy(dtype=np.int64) - 1
    for s in range(n_streets):
        m = sid == s
        out[s] = ((frm[m][:, None] <= d[None, :]) & (to[m][:, None] >= d[None, :])).sum(axis=0)
    return out
