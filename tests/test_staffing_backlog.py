"""`open_backlog`: what is still waiting at the end of a day, against each street's arrivals, and how the
weekly briefing names the streets that carry a backlog."""
from __future__ import annotations

import pandas as pd
import pytest

from civicdesk import calendar as cal, store
from civicdesk.briefing.outlook import _backlog_text
from civicdesk.staffing import open_backlog
from civicdesk.store.categories import write_categories
from tests.conftest import make_tickets

SUNDAY = "2023-06-18"  # two weeks from Monday 2023-06-05 hold 10 working days


def _store(url: str, disputes: bool = True):
    days = [d for d in pd.date_range("2023-06-05", SUNDAY) if cal.workday_mask(pd.DatetimeIndex([d]))[0]]
    assert len(days) == 10
    rows = []
    for k, day in enumerate(days):  # 明水: two a working day; 双山: one
        for j in range(2):
            closed = None if (k >= 8) else day + pd.Timedelta(days=1, hours=j)  # the last four still open
            rows.append({"created_at": day + pd.Timedelta(hours=9 + j), "closed_at": closed})
        rows.append({"created_at": day + pd.Timedelta(hours=10), "street": "双山街道",
                     "closed_at": day + pd.Timedelta(hours=30)})
    rows[0]["closed_at"] = pd.Timestamp("2023-06-20 10:00")  # closed after the day: still open at its end
    rows += [{"created_at": "2023-04-10 09:00"}] * 3  # older, still open
    rows += [{"created_at": "2022-10-01 09:00"}]  # beyond the look-back
    rows += [{"created_at": "2023-06-12 09:00", "category": "矛盾纠纷化解", "subcategory": "邻里纠纷"},
             {"created_at": "2023-06-12 09:00", "urgency": "urgent"}]  # not the grid workers' queue
    engine = store.connect(url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows))
        if disputes:  # the centre's category table says which categories go to mediators
            write_categories(conn, pd.DataFrame([{"level1": "矛盾纠纷化解", "handling": "dispute"}]))
    return engine


def test_disputes_are_what_the_category_table_says(sqlite_url):
    engine = _store(sqlite_url, disputes=False)
    assert open_backlog(engine, SUNDAY).set_index("street").at["明水街道", "open"] == 4 + 1 + 3 + 1
    engine.dispose()


def test_open_backlog_counts_what_waits_against_arrivals(store_url):
    engine = _store(store_url)
    out = open_backlog(engine, SUNDAY).set_index("street")
    assert out.at["明水街道", "open"] == 4 + 1 + 3
    assert out.at["明水街道", "per_day"] == pytest.approx(2.0)
    assert out.at["明水街道", "days"] == pytest.approx(4.0)
    assert out.at["双山街道", "open"] == 0 and out.at["双山街道", "per_day"] == pytest.approx(1.0)
    assert list(out.index[:1]) == ["明水街道"]
    engine.dispose()


def test_briefing_names_only_streets_far_above_the_usual_backlog():
    backlog = pd.DataFrame({"street": ["圣井街道", "官庄街道", "明水街道", "双山街道"], "open": [834, 255, 300, 280],
                            "per_day": [106.4, 73.9, 100.0, 100.0], "days": [7.84, 3.45, 3.0, 2.8]})
    zh = _backlog_text(backlog, "zh", {})
    assert zh.startswith("积压明显的镇街：圣井街道未办结一般工单834件，相当于7.8个工作日的派单量")
    assert "官庄" not in zh and "中位数3.2个工作日" in zh and "只计下周新增工单" in zh
    en = _backlog_text(backlog, "en", {"圣井街道": "Shengjing"})
    assert "Shengjing: 834 general tickets open" in en and "new tickets only" in en
    calm = backlog.assign(days=[3.1, 3.0, 2.9, 2.8])
    assert _backlog_text(calm, "zh", {}) is None
