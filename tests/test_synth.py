"""The demo district generator: calibration, contract, invariants and the planted effects.

Statistical checks use generous margins on realised draws (never seeded snapshots).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civicdesk import calendar as cal
from civicdesk.codes import CALLBACK_RESULTS, CHANNELS, STATUSES, URGENCIES
from civicdesk.synth.catalog import CATEGORY_EN
from civicdesk.synth import District, Truth, generate_district
from civicdesk.synth.catalog import CALIBRATION_TARGETS, CALIBRATION_TOTAL

FIELD_WEEK = ("2023-02-10", "2023-02-17")  # [start, end)
NAMED = {"便民惠企服务": 3221, "安全隐患排查": 2570, "社情民意收集": 523, "矛盾纠纷化解": 149, "重点巡查事项": 50}
OK = ["satisfied", "basically_satisfied"]
REACHED = OK + ["unsatisfied"]


@pytest.fixture(scope="module")
def q1() -> District:
    """Q1 2023 at full scale (the field week and the 2023 Spring Festival)."""
    return generate_district(seed=0, start="2023-01-01", end="2023-03-31", scale=1.0)


@pytest.fixture(scope="module")
def year2022() -> District:
    """2022 at a tenth of the volume (understaffed 圣井, heating season, repeat callers)."""
    return generate_district(seed=1, start="2022-01-01", end="2022-12-31", scale=0.1)


@pytest.fixture(scope="module")
def late2023() -> District:
    """Q4 2023 at half volume (the planted topics)."""
    return generate_district(seed=2, start="2023-04-01", end="2023-12-31", scale=0.5)


def _repeat_flag(tk: pd.DataFrame) -> pd.Series:
    """Caller contacted the centre in the previous 30 days (computed from the data)."""
    has = tk[tk["caller_key"].notna()].sort_values(["caller_key", "created_at"])
    prev = has.groupby("caller_key")["created_at"].shift()
    flag = (has["created_at"] - prev) <= pd.Timedelta(days=30)
    return flag.reindex(tk.index, fill_value=False).astype(bool)


# ---------------------------------------------------------------------------------------------
# Calibration and volume patterns
# ---------------------------------------------------------------------------------------------

def test_calibration_week_expected_total_is_exact(q1):
    exp = q1.truth.expected
    week = exp[(exp["ds"] >= FIELD_WEEK[0]) & (exp["ds"] < FIELD_WEEK[1])]
    assert week["y"].sum() == pytest.approx(CALIBRATION_TOTAL, rel=1e-6)
    by_cat = week.assign(cat=week["unique_id"].str.split("/").str[1]).groupby("cat")["y"].sum()
    for cat, target in CALIBRATION_TARGETS.items():
        assert by_cat[cat] == pytest.approx(target, rel=1e-6)


def test_calibration_week_realised(q1):
    tk = q1.tickets
    week = tk[(tk["created_at"] >= FIELD_WEEK[0]) & (tk["created_at"] < FIELD_WEEK[1])]
    assert abs(len(week) - CALIBRATION_TOTAL) <= 0.10 * CALIBRATION_TOTAL
    share = week["category"].value_counts(normalize=True)
    for cat, n in NAMED.items():
        assert abs(share[cat] - n / CALIBRATION_TOTAL) < 0.02, cat
    assert set(week["category"]) == set(CATEGORY_EN)


def test_spring_festival_dip(q1):
    daily = q1.tickets.groupby(q1.tickets["created_at"].dt.normalize()).size()
    holiday = daily["2023-01-21":"2023-01-27"].mean()
    before = daily["2023-01-03":"2023-01-17"].mean()
    after = daily["2023-02-06":"2023-02-24"].mean()
    assert holiday < 0.7 * before and holiday < 0.7 * after
    # make-up workdays (Sat 28, Sun 29 Jan) behave like workdays for grid reports
    grid = q1.tickets[q1.tickets["channel"] == "grid"]
    g = grid.groupby(grid["created_at"].dt.normalize()).size()
    assert g["2023-01-28":"2023-01-29"].mean() > 2 * g["2023-02-11":"2023-02-12"].mean()


def test_weekly_and_hourly_patterns(year2022):
    tk = year2022.tickets
    work = cal.workday_mask(tk["created_at"])
    grid = tk["channel"].eq("grid")
    days = tk["created_at"].dt.normalize()
    per_day = lambda m: m.groupby(days).sum()  # noqa: E731
    kinds = pd.Series(cal.day_kinds(per_day(grid).index), index=per_day(grid).index)
    g = per_day(grid)
    assert g[kinds == "weekend"].mean() < 0.45 * g[kinds == "workday"].mean()
    hot = tk[tk["channel"].eq("hotline")]["created_at"].dt.hour.value_counts()
    assert hot[[9, 10, 14, 15]].min() > 8 * hot[[2, 3, 4]].max()
    assert tk.loc[grid, "created_at"].dt.hour.between(7, 19).all()
    assert work.mean() > 0.75


def test_heating_surge(year2022):
    heat = year2022.tickets[year2022.tickets["category"] == "供暖"]
    daily = heat.groupby(heat["created_at"].dt.normalize()).size().reindex(
        pd.date_range("2022-01-01", "2022-12-31"), fill_value=0)
    assert daily["2022-11-16":"2022-12-31"].mean() > 4 * daily["2022-09-01":"2022-10-31"].mean()
    assert daily["2022-12-01":"2022-12-31"].mean() > daily["2022-11-01":"2022-11-14"].mean() * 3


def test_expected_truth_matches_realised(year2022):
    exp = year2022.truth.expected
    assert list(exp.columns) == ["unique_id", "ds", "y"]
    assert exp["unique_id"].nunique() == 18 * len(CATEGORY_EN)
    by_cat = exp.assign(cat=exp["unique_id"].str.split("/").str[1]).groupby("cat")["y"].sum()
    real = year2022.tickets["category"].value_counts()
    tolerance = 0.03 + 4 / np.sqrt(by_cat)  # Poisson noise with mild overdispersion
    assert ((real.reindex(by_cat.index) - by_cat).abs() / by_cat < tolerance).all()
    assert len(year2022.tickets) / exp["y"].sum() == pytest.approx(1.0, abs=0.02)
    # street level
    by_street = exp.assign(st=exp["unique_id"].str.split("/").str[0]).groupby("st")["y"].sum()
    r2 = year2022.tickets["street"].value_counts().reindex(by_street.index) / by_street
    assert r2.between(0.9, 1.1).all()


# ---------------------------------------------------------------------------------------------
# Contract, determinism, invariants
# ---------------------------------------------------------------------------------------------

def test_determinism():
    kw = dict(seed=7, start="2023-03-01", end="2023-03-20", scale=0.05)
    a, b = generate_district(**kw), generate_district(**kw)
    for name in ("streets", "grids", "staff", "tickets"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.truth.expected, b.truth.expected)
    assert a.truth.repeat_callers == b.truth.repeat_callers
    c = generate_district(**{**kw, "seed": 8})
    assert not c.tickets["created_at"].equals(a.tickets["created_at"])


def test_progress_is_reported():
    calls = []
    generate_district(seed=0, start="2023-03-01", end="2023-03-07", scale=0.02,
                      progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(calls) >= 5
    assert all(isinstance(m, str) and m for _, m in calls)


def test_column_contract(q1):
    d = q1
    assert isinstance(d.truth, Truth)
    assert list(d.streets.columns) == ["street_id", "code", "name", "name_en", "kind", "households"]
    assert d.streets["street_id"].tolist() == list(range(1, 19))
    assert {"明水街道", "绣惠街道", "刁镇", "垛庄镇", "黄河镇"} <= set(d.streets["name"])
    assert list(d.grids.columns) == ["grid_id", "street_id", "name", "community", "households"]
    assert 1000 <= len(d.grids) <= 1200 and d.grids["grid_id"].is_unique
    assert d.grids["households"].between(300, 500).all()
    xiuhui = d.streets.loc[d.streets["name"] == "绣惠街道", "street_id"].item()
    assert 60 <= (d.grids["street_id"] == xiuhui).sum() <= 70
    assert list(d.staff.columns) == ["staff_id", "name", "role", "street_id", "grid_id", "tier",
                                     "active_from", "active_to"]
    assert set(d.staff["role"]) == {"grid_worker", "mediator", "acceptor", "dispatcher"}
    assert 30 <= (d.staff["role"] == "acceptor").sum() <= 40
    tk = d.tickets
    assert list(tk.columns) == ["ticket_id", "source", "source_id", "channel", "created_at", "street", "grid_id",
                                "category", "subcategory", "urgency", "caller_key", "signed_at",
                                "first_response_at", "closed_at", "deadline_at", "status", "returned_count",
                                "reopened_count", "escalated", "callback_result", "description", "department"]
    for c in ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at"):
        assert tk[c].dtype == "datetime64[ns]", c
    for c in ("returned_count", "reopened_count"):
        assert tk[c].dtype == np.int64
    assert tk["escalated"].dtype == bool
    assert tk["created_at"].notna().all() and tk["deadline_at"].notna().all()
    assert set(tk["channel"]) <= set(CHANNELS) and set(tk["urgency"]) <= set(URGENCIES)
    assert set(tk["status"]) <= set(STATUSES) and set(tk["category"]) <= set(CATEGORY_EN)
    assert set(tk["callback_result"].dropna()) <= set(CALLBACK_RESULTS)
    assert tk["street"].isin(d.streets["name"]).all() and tk["grid_id"].isin(d.grids["grid_id"]).all()
    keys = tk["caller_key"].dropna()
    assert keys.str.fullmatch(r"[0-9a-f]{16}").all()
    assert tk.loc[tk["channel"] == "grid", "caller_key"].isna().all()
    assert tk["ticket_id"].str.fullmatch(r"ZQ\d{14}").all() and tk["ticket_id"].is_unique
    assert (tk["source"] == "demo").all() and not tk.duplicated(["source", "source_id"]).any()
    assert tk["description"].str.len().between(4, 80).all()
    assert tk.groupby("category")["subcategory"].nunique().between(3, 8).all()
    assert (tk["urgency"] == "general").mean() > 0.85


def test_invariants(q1):
    tk = q1.tickets
    end = pd.Timestamp(q1.end) + pd.Timedelta(days=1)
    for c in ("signed_at", "first_response_at", "closed_at"):
        assert (tk[c].dropna() < end).all(), c
    signed = tk["signed_at"].notna()
    assert (tk.loc[signed, "signed_at"] >= tk.loc[signed, "created_at"]).all()
    closed = tk["closed_at"].notna()
    assert (tk.loc[closed, "closed_at"] >= tk.loc[closed, "signed_at"]).all()
    fr = tk["first_response_at"].notna()
    assert (tk.loc[fr, "first_response_at"] >= tk.loc[fr, "signed_at"]).all()
    assert (tk.loc[fr & closed, "first_response_at"] <= tk.loc[fr & closed, "closed_at"]).all()
    assert (closed == tk["status"].eq("closed")).all()
    assert (signed == tk["status"].isin(["signed", "closed"])).all()
    cb = tk["callback_result"].notna()
    assert tk.loc[cb, "status"].eq("closed").all() and tk.loc[cb, "caller_key"].notna().all()
    # the last days are partly open
    last = tk[tk["created_at"] >= end - pd.Timedelta(days=2)]
    assert 0.05 < (last["status"] != "closed").mean() < 0.9
    # closed at intake: no department, within hours (unless reopened and dispatched later)
    direct = tk["department"].isna()
    assert tk.loc[direct, "reopened_count"].eq(0).all()
    assert tk.loc[direct, "channel"].eq("hotline").all()
    hrs = (tk.loc[direct, "closed_at"] - tk.loc[direct, "created_at"]).dt.total_seconds() / 3600
    assert hrs.max() <= 4.01
    simple = tk[tk["channel"].eq("hotline") & tk["category"].eq("便民惠企服务") & tk["urgency"].eq("general")]
    assert 0.6 <= simple["department"].isna().mean() <= 0.8
    # mediation deadlines are 30 days
    disp = tk[tk["category"] == "矛盾纠纷化解"]
    assert ((disp["deadline_at"] - disp["created_at"]) == pd.Timedelta(days=30)).all()


def test_overall_kpis(year2022):
    tk = year2022.tickets
    end = pd.Timestamp(year2022.end)
    cohort = tk[tk["created_at"] < end - pd.Timedelta(days=14)]
    assert cohort["status"].eq("closed").mean() > 0.97
    recent = tk[(tk["created_at"] >= end - pd.Timedelta(days=28)) & (tk["created_at"] < end - pd.Timedelta(days=14))]
    assert 0.95 < recent["status"].eq("closed").mean() < 0.999
    closed = cohort[cohort["status"] == "closed"]
    assert 0.88 < (closed["closed_at"] <= closed["deadline_at"]).mean() < 0.97
    signed_ok = cohort["signed_at"] <= cal.sign_deadline(cohort["created_at"], cohort["urgency"])
    assert 0.92 < signed_ok.mean() < 0.99
    cb = tk["callback_result"]
    sat = cb.isin(OK).sum() / cb.isin(REACHED).sum()
    assert 0.90 < sat < 0.96
    reached = cb.isin(REACHED).sum() / cb.notna().sum()
    assert 0.8 < reached < 0.9
    assert 0.025 < (tk["returned_count"] > 0).mean() < 0.06
    disp = tk[tk["category"] == "矛盾纠纷化解"]
    assert 0.06 < disp["escalated"].mean() < 0.16


# ---------------------------------------------------------------------------------------------
# Planted effects
# ---------------------------------------------------------------------------------------------

def test_understaffed_street_closes_later(year2022):
    tk = year2022.tickets
    row = year2022.truth.understaffed.iloc[0]
    period = tk["created_at"].between(row["start"], row["end"])
    worked = tk[tk["department"].notna() & tk["urgency"].eq("general") & tk["closed_at"].notna()
                & ~tk["category"].eq("矛盾纠纷化解")]
    wd = pd.Series(cal.working_days_between(worked["created_at"], worked["closed_at"]), index=worked.index)
    inside = worked["street"].eq(row["street"]) & period.reindex(worked.index)
    elsewhere = ~worked["street"].eq(row["street"]) & period.reindex(worked.index)
    assert wd[inside].mean() > 1.25 * wd[elsewhere].mean()
    on_time = worked["closed_at"] <= worked["deadline_at"]
    assert on_time[inside].mean() < on_time[elsewhere].mean() - 0.02
    staff = year2022.staff
    gone = staff[(staff["role"] == "grid_worker") & staff["active_to"].notna()]
    assert len(gone) >= row["missing"]


def test_repeat_callers_less_satisfied(year2022):
    tk = year2022.tickets
    rep = _repeat_flag(tk)
    cb = tk["callback_result"]
    reached = cb.isin(REACHED)
    sat_rep = cb[reached & rep].isin(OK).mean()
    sat_other = cb[reached & ~rep].isin(OK).mean()
    assert 0.65 < sat_rep < 0.86 and 0.90 < sat_other < 0.98
    assert 0.05 < rep[tk["caller_key"].notna()].mean() < 0.25
    # follow-ups repeat the same problem at the same place
    follow = tk[tk["description"].str.startswith(("再次反映：", "重复来电：", "多次反映未果，", "此前反映的问题仍未解决，"))]
    assert len(follow) > 50


def test_persistent_repeat_caller(year2022):
    keys = year2022.truth.repeat_callers
    assert keys
    calls = year2022.tickets[year2022.tickets["caller_key"] == keys[0]]
    assert len(calls) >= 10
    assert calls["subcategory"].nunique() == 1 and calls["grid_id"].nunique() == 1
    assert calls["description"].str.contains("机井").all()
    span = calls["created_at"].max() - calls["created_at"].min()
    assert span > pd.Timedelta(days=30)


def test_planted_topics(late2023):
    tk = late2023.tickets
    topics = late2023.truth.topics
    assert {"暖气不热", "土地承包合同", "电动车充电"} <= set(topics["keyword"])
    for row in topics.itertuples():
        assert row.extra_tickets > 0
        length = row.end - row.start + pd.Timedelta(days=1)
        street = tk[tk["street"] == row.street]
        text = street["description"].str.contains(row.keyword, regex=False)
        if isinstance(row.place, str):
            text &= street["description"].str.contains(row.place, regex=False)
        during = (text & street["created_at"].between(row.start, row.end + pd.Timedelta(days=1))).sum()
        before = (text & street["created_at"].between(row.start - length, row.start)).sum()
        assert during >= max(5, 3 * before), (row.keyword, during, before)
        if isinstance(row.place, str):
            continue
        # a street-wide topic: the keyword's frequency relative to the other streets rises
        has = tk["description"].str.contains(row.keyword, regex=False)
        mine = tk["street"] == row.street

        def rel(lo, hi):
            m = has & tk["created_at"].between(lo, hi)
            return (m & mine).sum() / max(1, (m & ~mine).sum() / 17)

        assert rel(row.start, row.end) > 1.2 * rel(row.start - length, row.start), row.keyword


def test_truth_tables(q1):
    t = q1.truth
    m = t.satisfaction
    for k in ("intercept", "b_ontime", "b_sign_per_day", "b_working_days", "b_returned", "b_reopened",
              "b_repeat", "category", "channel"):
        assert k in m
    assert set(m["category"]) == set(CATEGORY_EN) and m["b_repeat"] < 0
    assert {"name", "start", "end", "streets", "categories", "factor"} <= set(t.shocks.columns)
    assert {"street", "start", "end", "missing"} <= set(t.understaffed.columns)
    assert t.calibration_week["target_total"] == CALIBRATION_TOTAL
    util = pd.Series(t.utilisation_target)
    assert util.between(0.7, 0.9).all()


def test_capacity_follows_the_recorded_roster(year2022):
    """Nothing changes a street's capacity that its staff table does not record: capacity per grid worker on
    the roster is the same every day, and the headcount keeps pace with the volume trend quarter by quarter
    (a simulation calibrated on one quarter and given the next quarter's roster is then not misled by a
    hidden change in productivity)."""
    from civicdesk.synth.places import STREET_SPECS, active_grid_workers
    from civicdesk.synth.volume import trend

    d = year2022
    days = pd.date_range(d.start, d.end)
    workers = active_grid_workers(d.staff, days, len(STREET_SPECS))
    names = [spec[1] for spec in STREET_SPECS]
    capacity = d.truth.load.pivot(index="street", columns="ds", values="capacity").loc[names].to_numpy()
    assert (workers > 0).all()
    per_worker = capacity / workers
    assert np.allclose(per_worker, per_worker[:, :1], rtol=1e-9)

    grids = d.grids.groupby("street_id").size().sort_index().to_numpy()
    quarters = pd.DatetimeIndex(["2022-01-01", "2022-04-01", "2022-07-01", "2022-10-01"])
    expected = np.round(grids[:, None] * trend(quarters)[None, :])
    on_day = workers[:, days.get_indexer(quarters)]
    short = d.truth.understaffed
    for s, name in enumerate(names):
        missing = sum(r.missing for r in short.itertuples() if r.street == name and r.start <= quarters[2] <= r.end)
        assert on_day[s, 2] == expected[s, 2] - missing, name
        assert on_day[s, 0] == expected[s, 0] and on_day[s, 1] == expected[s, 1], name
    assert (expected[:, 3] > grids).any()  # later in the year some grids have a second worker
