"""The driver tools on real messages (TipDM 智慧政务, ../shared/realdata): reply lags yes, satisfaction no."""
from __future__ import annotations

import pytest

from civicdesk import config, ingest, store
from civicdesk.drivers import fit_drivers, modelling_table

REPLIES = config.REALDATA_DIR / "cn_taidi2020_smartgov" / "fj4_messages_with_replies_2816.xlsx"
pytestmark = pytest.mark.skipif(not REPLIES.is_file(), reason=f"real data file {REPLIES} is absent")


@pytest.fixture(scope="module")
def replies(tmp_path_factory):
    engine = store.connect(f"sqlite:///{tmp_path_factory.mktemp('tipdm') / 'store.db'}")
    report = ingest.import_file(engine, REPLIES)
    assert report.balanced
    table = modelling_table(engine)
    engine.dispose()
    return table


def test_reply_lags_match_the_published_distribution(replies):
    days = (replies["working_days_to_close"].dropna())
    calendar_days = replies["hours_to_sign"].isna().sum()  # no signing step in a message export
    assert calendar_days == len(replies)
    assert len(days) >= 2800  # one message has no reply time
    # the data's README: median reply lag 11.2 calendar days, p75 22.3 → about 8 and 16 working days
    assert 6 <= days.median() <= 10
    assert 12 <= days.quantile(0.75) <= 18


def test_no_ratings_means_no_driver_model(replies):
    assert replies["satisfied"].isna().all()
    with pytest.raises(ValueError, match="no ticket has a reached callback"):
        fit_drivers(replies, "satisfied ~ working_days_to_close")


def test_repeat_contacts_are_found_in_real_messages(replies):
    assert 0 < replies["repeat_caller"].mean() < 0.5
