"""Repeat contacts and the key-problem list: hand-made edge cases, both backends, the planted persistent callers."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from civicdesk import store
from civicdesk.drivers import DataRangeError
from civicdesk.drivers.repeats import extract_site, key_problems, repeat_caller_flags
from civicdesk.i18n import t
from civicdesk.synth.places import STREET_SPECS
from civicdesk.synth.topics import PERSISTENT_CALLERS
from tests.conftest import make_tickets

DAY0 = pd.Timestamp("2023-03-01 09:00")


def contacts(days, caller="k1", **extra) -> list[dict]:
    """Tickets created `days` after DAY0 by one caller."""
    return [dict(created_at=DAY0 + pd.Timedelta(days=d), caller_key=caller, **extra) for d in days]


def frame(rows: list[dict]) -> pd.DataFrame:
    return make_tickets(rows)


# --- repeat flags ---------------------------------------------------------------------------------------------

def test_repeat_flags_by_hand():
    rows = (contacts([0, 10, 45, 75], "a")  # gaps 10, 35, 30 days -> F T F T
            + contacts([0, 30.5], "b")      # 30.5 days later: outside the 30-day window
            + contacts([1, 2], None)        # no caller: never a repeat
            + contacts([3, 4], ""))         # blank caller key: never a repeat
    df = frame(rows)
    df.index = [f"r{i}" for i in range(len(df))][::-1]  # labels out of order: results follow the index
    flags = repeat_caller_flags(df.sample(frac=1.0, random_state=3))
    assert flags.name == "repeat_caller"
    assert flags.loc[df.index].tolist() == [False, True, False, True, False, False, False, False, False, False]


def test_repeat_flags_window_and_bad_window():
    df = frame(contacts([0, 5], "a"))
    assert repeat_caller_flags(df, window_days=3).tolist() == [False, False]
    assert repeat_caller_flags(df, window_days=5).tolist() == [False, True]
    with pytest.raises(ValueError, match="positive"):
        repeat_caller_flags(df, window_days=0)


def test_repeat_flags_agree_with_the_rollups_repeat_contacts(small_district, demo_store_url):
    flags = repeat_caller_flags(small_district.tickets)
    counts = store.daily_counts(store.connect(demo_store_url), by=(), measure="repeat_contacts")
    assert flags.sum() == counts["y"].sum() > 0


# --- the list on hand-made tickets -------------------------------------------------------------------------------

@pytest.mark.parametrize("days, as_of_day, listed", [
    ([0, 20], 20, False),              # two contacts: not listed
    ([0, 10, 20], 20, True),           # three within 30 days: listed
    ([0, 10, 29], 29, True),           # the window is the 30 calendar days ending on as_of: Mar 1-30
    ([0, 10, 30], 30, False),          # Mar 2-31: the first contact, on Mar 1, is out
    ([0, 30, 60], 60, False),          # three spread over 60 days: not listed
    ([0, 10, 20], 40, False),          # three within 30 days, but the first left the window by as_of
])
def test_caller_needs_three_contacts_within_30_days(days, as_of_day, listed):
    df = frame(contacts(days) + contacts([as_of_day], "other"))
    as_of = (DAY0 + pd.Timedelta(days=as_of_day)).date()
    kp = key_problems(df, as_of, kinds=("caller",))
    assert (len(kp.entries) == 1) is listed
    if listed:
        assert kp.entries.loc[0, "contacts"] == len(days)


def test_tickets_without_caller_key_are_ignored():
    df = frame(contacts([0, 1, 2, 3], None) + contacts([4, 5], ""))
    kp = key_problems(df, (DAY0 + pd.Timedelta(days=5)).date())
    assert kp.entries.empty and kp.history.empty and kp.members.empty
    assert list(kp.entries.columns)[:4] == ["entry_id", "rank", "kind", "label"]


def test_caller_entry_fields_and_no_caller_key_on_display():
    key = "f3c2a9d1e5b7c0aa"
    rows = (contacts([0], key, callback_result="satisfied", closed_at=DAY0 + pd.Timedelta(days=1))
            + contacts([8], key, callback_result="unsatisfied", closed_at=DAY0 + pd.Timedelta(days=9),
                       returned_count=1)
            + contacts([15], key, callback_result="not_reached", closed_at=DAY0 + pd.Timedelta(days=30))
            + contacts([16], key, category="水电气", subcategory="停水"))
    kp = key_problems(frame(rows), (DAY0 + pd.Timedelta(days=16)).date(), kinds=("caller",))
    e = kp.entries.iloc[0]
    assert (e["entry_id"], e["rank"], e["kind"], e["label"]) == ("C001", 1, "caller", "来电人#1")
    assert (e["contacts"], e["subject_contacts"], e["subcategory"]) == (4, 3, "暖气不热")
    assert e["last_callback"] == "unsatisfied" and e["last_unsatisfied"]  # not_reached is not a callback
    assert e["open_tickets"] == 2  # closed after as_of counts as open on as_of
    assert e["returned_tickets"] == 1 and e["days_span"] == 16
    assert e["listed_since"] == (DAY0 + pd.Timedelta(days=15)).normalize()
    assert e["recent_contacts"] == 2
    # priority = 3 on subject + 0.5 × 1 other + 3 unsatisfied + 2 open + 1 returned + 2 in the last 7 days
    assert e["priority"] == pytest.approx(11.5)
    assert kp.history["joined_list"].tolist() == [False, False, True, False]
    assert kp.history["rolling_contacts"].tolist() == [1, 2, 3, 4]
    shown = kp.entries.to_string() + kp.history.to_string() + kp.members.to_string()
    assert key not in shown and "caller_key" not in kp.entries.columns and "caller_key" not in kp.history.columns


def test_places_group_by_site_and_subject_and_tickets_show_their_entry():
    site = [dict(created_at=DAY0 + pd.Timedelta(days=d), grid_id="g1", caller_key=f"c{d}",
                 description=f"反映翠湖花园{d + 1}号楼暖气不热") for d in (0, 3, 6)]
    other_site = [dict(created_at=DAY0 + pd.Timedelta(days=d), grid_id="g1", description="明湖新村暖气不热")
                  for d in (1, 2)]
    other_subject = [dict(created_at=DAY0 + pd.Timedelta(days=4), grid_id="g1", subcategory="停暖",
                          description="翠湖花园突然停暖")]
    df = frame(site + other_site + other_subject)
    kp = key_problems(df, (DAY0 + pd.Timedelta(days=6)).date())
    assert kp.entries["label"].tolist() == ["翠湖花园 · 暖气不热"]
    assert kp.entries.loc[0, "site"] == "翠湖花园" and kp.entries.loc[0, "grid_id"] == "g1"
    assert set(kp.entries.loc[0, "ticket_ids"]) == set(df["ticket_id"][:3])
    marks = kp.entry_of(df["ticket_id"])
    assert marks.tolist() == ["翠湖花园 · 暖气不热"] * 3 + [None] * 3


@pytest.mark.parametrize("text, site", [
    ("反映翠湖花园3号楼暖气不热", "翠湖花园"), ("再次反映：多次反映钱官庄村机井电价问题", "钱官庄村"),
    ("钱官庄村村民反映灌溉机井电费太贵", "钱官庄村"), ("和园小区楼道灯不亮", "和园小区"),
    ("咨询新生儿落户及生育津贴办理流程", None), ("埠村路与秀水路路口红绿灯损坏", None), (None, None),
])
def test_extract_site(text, site):
    assert extract_site(pd.Series([text])).iloc[0] == site


@pytest.mark.parametrize("as_of, message", [
    ("2023-02-01", "outside the data"), ("2024-01-01", "outside the data"), ("not a day", "not a date"),
    (None, "not a date"),
])
def test_bad_as_of_is_one_clear_sentence(as_of, message):
    with pytest.raises(ValueError, match=message) as caught:
        key_problems(frame(contacts([0, 1, 2])), as_of)
    if message == "outside the data":  # said in the user's language from its key, never from the English text
        assert caught.value.key == "pt_kp_outside" and set(caught.value.params) == {"start", "end"}
        assert t(caught.value.key, "zh").format(**caught.value.params).startswith("所选日期不在数据的时间范围内")
    else:
        assert not isinstance(caught.value, DataRangeError)  # a caller's mistake, not a gap in the data


def test_bad_arguments():
    df = frame(contacts([0, 1, 2]))
    with pytest.raises(DataRangeError, match="no tickets") as caught:
        key_problems(df.iloc[:0], "2023-03-01")
    assert caught.value.key == "empty_store"
    with pytest.raises(ValueError, match="kinds"):
        key_problems(df, "2023-03-02", kinds=("street",))
    with pytest.raises(ValueError, match="min_contacts"):
        key_problems(df, "2023-03-02", min_contacts=1)


def test_store_and_frame_agree_on_both_backends(store_url):
    rows = contacts([0, 5, 9], "a", description="反映翠湖花园暖气不热", grid_id="g1") + contacts([1, 2], "b")
    df = frame(rows)
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, df)
    got = key_problems(engine, "2023-03-10")
    want = key_problems(df, "2023-03-10")
    assert got.entries["label"].tolist() == ["来电人#1", "翠湖花园 · 暖气不热"]
    pd.testing.assert_frame_equal(got.entries.drop(columns=["listed_since", "first_contact", "last_contact"]),
                                  want.entries.drop(columns=["listed_since", "first_contact", "last_contact"]),
                                  check_dtype=False)
    assert got.members.sort_values(["entry_id", "ticket_id"]).to_numpy().tolist() == \
        want.members.sort_values(["entry_id", "ticket_id"]).to_numpy().tolist()
    engine.dispose()


# --- the planted persistent callers ------------------------------------------------------------------------------

@pytest.mark.parametrize("k, as_of", [(0, date(2023, 5, 10)), (1, date(2023, 6, 30))])
def test_planted_persistent_caller_tops_the_list(small_district, demo_store_url, k, as_of):
    spec = PERSISTENT_CALLERS[k]
    key = small_district.truth.repeat_callers[k]
    tickets = small_district.tickets
    own = set(tickets.loc[tickets["caller_key"] == key, "ticket_id"])
    kp = key_problems(store.connect(demo_store_url), as_of)
    callers = kp.entries[kp.entries["kind"] == "caller"].reset_index(drop=True)
    hit = callers[[bool(own & set(ids)) for ids in callers["ticket_ids"]]]
    assert len(hit) == 1
    entry = hit.iloc[0]
    assert hit.index[0] < 3 and entry["rank"] <= 5  # among the first callers and high on the whole list
    assert set(entry["ticket_ids"]) <= own
    assert entry["street"] == dict((s[0], s[1]) for s in STREET_SPECS)[spec.street]
    assert (entry["category"], entry["subcategory"]) == (spec.category, spec.subcategory)
    assert entry["contacts"] >= 4 and entry["subject_contacts"] == entry["contacts"]
    place = kp.entries.set_index("entry_id").loc[list(entry["related"])]
    assert (place["kind"] == "place").any()  # the same problem is listed by place too
