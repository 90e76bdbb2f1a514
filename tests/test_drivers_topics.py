"""Hot topics: the planted topic recovered, hand-made scoring and errors, both backends, real citizen messages."""
from __future__ import annotations

import re
from datetime import timedelta

import pandas as pd
import pytest

from civicdesk import config, store
from civicdesk.drivers.segment import STOP_WORDS, text_terms, ticket_terms
from civicdesk.drivers.topics import DISTRICT, hot_topics
from civicdesk.i18n import t
from tests.conftest import make_tickets

SMARTGOV_FJ3 = config.REALDATA_DIR / "cn_taidi2020_smartgov" / "fj3_messages_with_likes_4326.xlsx"
WEEK = pd.Timestamp("2023-03-27")  # a Monday (2023-W13); the four weeks before are the baseline
CLEAN_TERM = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,}$")


@pytest.fixture(scope="session")
def topic_district():
    """Seven weeks around the planted 双山 topic's start (2023-05-08), at half Zhangqiu's volume (~1 s)."""
    from civicdesk.synth import generate_district

    return generate_district(seed=0, start="2023-04-03", end="2023-05-21", scale=0.5)


@pytest.fixture(scope="session")
def planted(topic_district):
    """The planted topic that starts inside the generated weeks."""
    topics = topic_district.truth.topics
    inside = topics[(topics["start"] > pd.Timestamp("2023-05-01")) & (topics["extra_tickets"] > 0)]
    assert len(inside) == 1
    return inside.iloc[0]


def weekly(texts_per_week: dict[int, list[str]], **extra) -> pd.DataFrame:
    """Hand-made tickets: week offset (0 = WEEK, -1 = the week before, …) → descriptions, spread over the days."""
    rows = []
    for offset, texts in texts_per_week.items():
        for i, text in enumerate(texts):
            when = WEEK + pd.Timedelta(weeks=offset) + pd.Timedelta(hours=9 + 24 * (i % 7), minutes=i)
            rows.append(dict(created_at=when, description=text, **extra))
    return make_tickets(rows)


BASE = ["路灯不亮已有多日", "小区垃圾桶满溢未及时清运", "楼道堆放杂物", "物业人员态度差"] * 3


def rising() -> pd.DataFrame:
    """Four quiet weeks, then a week with the same mix plus six tickets about missing manhole covers."""
    weeks = {w: list(BASE) for w in (-4, -3, -2, -1)}
    weeks[0] = list(BASE) + ["东岭路井盖缺失，存在安全隐患"] * 3 + ["绣源河路雨水井盖缺失，夜间危险"] * 3
    return weekly(weeks)


# --- the planted topic ---------------------------------------------------------------------------------------------

def test_planted_topic_is_top3_in_its_street_in_its_first_week(topic_district, planted):
    hot = hot_topics(topic_district.tickets, planted["start"], by=("street", "category"))
    for level, group in (("street", planted["street"]), ("category", planted["category"]), ("district", DISTRICT)):
        top3 = hot.top(group, level).head(3)
        assert any(planted["keyword"] in term for term in top3["term"]), (level, group, top3["term"].tolist())
    line = hot.top(planted["street"], "street").iloc[0]
    assert line["new"] and line["count"] >= 5 and line["score"] >= 5


def test_planted_topic_is_not_hot_the_week_before(topic_district, planted):
    hot = hot_topics(topic_district.tickets, planted["start"] - timedelta(days=7))
    words = list(hot.terms["term"]) + [t for rel in hot.terms["related"] for t in rel]
    assert not any(planted["keyword"] in w for w in words)


def test_terms_are_clean_and_examples_contain_their_term(topic_district, planted):
    hot = hot_topics(topic_district.tickets, planted["start"], examples=2)
    assert hot.week == "2023-W19" and hot.tickets > 0 and hot.baseline_tickets > 0
    assert all(CLEAN_TERM.match(t) and t not in STOP_WORDS for t in hot.terms["term"])
    assert (hot.examples.groupby(["level", "group", "term"]).size() <= 2).all()
    assert all(term in text for term, text in zip(hot.examples["term"], hot.examples["description"]))
    keys = set(zip(hot.terms["level"], hot.terms["group"], hot.terms["term"]))
    assert set(zip(hot.examples["level"], hot.examples["group"], hot.examples["term"])) == keys


# --- hand-made ----------------------------------------------------------------------------------------------------

def test_a_new_term_is_hot_and_steady_terms_are_not():
    hot = hot_topics(rising(), WEEK, by=("street",))
    top = hot.top()
    assert top.loc[0, "term"] == "井盖缺失" and top.loc[0, "count"] == 6 and top.loc[0, "new"]
    assert top.loc[0, "expected"] == pytest.approx(18 * 0.5 / 49, abs=0.01)  # n × (b + ½) / (n_b + 1)
    assert "井盖" not in set(top["term"])  # a word inside the hot phrase is not listed on its own
    assert not {"路灯", "路灯不亮", "垃圾桶"} & set(hot.terms["term"])
    assert hot.top("明水街道", "street")["term"].tolist() == top["term"].tolist()


def test_a_rise_in_volume_alone_is_not_hot():
    weeks = {w: list(BASE) for w in (-4, -3, -2, -1)}
    weeks[0] = list(BASE) * 3  # three times the tickets, the same mix
    hot = hot_topics(weekly(weeks), WEEK)
    assert hot.terms.empty and hot.examples.empty
    assert list(hot.terms.columns)[:4] == ["level", "group", "rank", "term"]


def test_week_as_iso_name_or_any_day_inside():
    a = hot_topics(rising(), "2023-W13")
    b = hot_topics(rising(), "2023-04-02")
    pd.testing.assert_frame_equal(a.terms, b.terms)
    assert (a.week, a.monday) == ("2023-W13", WEEK.date())


@pytest.mark.parametrize("first, week, message, key", [
    (None, "2023-W20", "no tickets in the week 2023-W20", "pt_no_week_tickets"),
    (WEEK, "2023-W13", "no tickets in the 4 week", "pt_hot_no_baseline"),  # nothing before the week to compare with
    (None, "2023-W60", "not an ISO week", None),
    (None, "next week", "neither an ISO week", None),
])
def test_bad_weeks_are_one_clear_sentence(first, week, message, key):
    df = rising()
    if first is not None:
        df = df[df["created_at"] >= first]
    with pytest.raises(ValueError, match=message) as caught:
        hot_topics(df, week)
    assert getattr(caught.value, "key", None) == key  # the data's gaps carry a key for the user's language
    if key == "pt_hot_no_baseline":
        assert caught.value.params["weeks"] == 4 and "4周" in t(key, "zh").format(**caught.value.params)


def test_bad_arguments():
    with pytest.raises(ValueError, match="by may name"):
        hot_topics(rising(), WEEK, by=("district_office",))
    with pytest.raises(ValueError, match="lacks the column"):
        hot_topics(rising().drop(columns=["description"]), WEEK)
    with pytest.raises(ValueError, match="at least 1"):
        hot_topics(rising(), WEEK, baseline_weeks=0)


def test_store_and_frame_agree_on_both_backends(store_url):
    df = rising()
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, df)
    got = hot_topics(engine, WEEK)
    want = hot_topics(df, WEEK)
    assert got.top()["term"].tolist()[:1] == ["井盖缺失"]
    pd.testing.assert_frame_equal(got.terms, want.terms)
    pd.testing.assert_frame_equal(got.examples, want.examples, check_dtype=False)
    engine.dispose()


@pytest.mark.parametrize("text, expect, absent", [
    ("翠湖小区3号楼暖气不热，室温只有14度", {"暖气不热", "翠湖", "室温"}, {"14", "3", "号楼", "小区", "只有"}),
    ("地下室电动车充电乱象，飞线充电多处", {"电动车充电", "飞线充电", "地下室"}, {"乱象，飞线"}),
    ("反映翡翠华庭整个小区暖气不热", {"翡翠华庭", "暖气不热"}, {"华庭整个", "反映"}),
])
def test_terms_of_a_text(text, expect, absent):
    terms = text_terms(text)
    assert expect <= terms and not (absent & terms)
    assert all(t in text for t in terms)


def test_ticket_terms_pairs_each_term_once_per_ticket():
    rows, codes, names = ticket_terms(pd.Series(["暖气不热，暖气不热", None, "", "井盖缺失"]))
    pairs = sorted((int(r), names[c]) for r, c in zip(rows, codes))
    assert pairs == sorted([(0, "暖气"), (0, "不热"), (0, "暖气不热"), (3, "井盖"), (3, "缺失"), (3, "井盖缺失")])


# --- real citizen messages ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not SMARTGOV_FJ3.is_file(), reason=f"real data {SMARTGOV_FJ3} is absent")
def test_real_citizen_messages_of_a_2019_week():
    raw = pd.read_excel(SMARTGOV_FJ3, usecols=["留言编号", "留言时间", "留言详情"])
    df = pd.DataFrame({"ticket_id": raw["留言编号"].astype(str),
                       "created_at": pd.to_datetime(raw["留言时间"].astype(str).str.strip(), format="mixed"),
                       "description": raw["留言详情"]})
    hot = hot_topics(df, "2019-W16", by=())
    assert 80 <= hot.tickets <= 200 and hot.baseline_tickets > 250
    assert len(hot.terms) >= 3 and set(hot.terms["level"]) == {"district"}
    assert all(CLEAN_TERM.match(t) and t not in STOP_WORDS for t in hot.terms["term"])
    assert (hot.terms["score"] >= 5).all() and (hot.terms["count"] >= 3).all()
    assert all(term in text for term, text in zip(hot.examples["term"], hot.examples["description"]))
    assert hot.examples.groupby("term").size().between(1, 3).all()


def test_jieba_dictionary_is_cached_under_the_models_folder_and_read_back_the_same(tmp_path, monkeypatch):
    """The tokenizer's dictionary: built by jieba and written under the models folder the first time, read
    back from there (unmarshalled from the file's bytes) the next time, into the same dictionary jieba's
    own initialisation gives, so every text is cut the same way."""
    import jieba

    from civicdesk.drivers import segment

    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))
    cache = segment.dictionary_cache()
    assert cache.parent == tmp_path / "models" / "jieba" and not cache.exists()
    built = jieba.Tokenizer()
    segment.load_dictionary(built)  # no cache yet: jieba builds it and writes it there
    assert cache.is_file() and built.initialized
    read = jieba.Tokenizer()
    segment.load_dictionary(read)  # from the cache file
    assert read.initialized and read.FREQ == built.FREQ and read.total == built.total
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path)  # jieba's own initialisation, with its own cache
    reference.initialize()
    assert read.FREQ == reference.FREQ and read.total == reference.total
    text = "翡翠华庭小区暖气不热，孩子受冻，多次反映未果；楼道灯不亮，电动车充电桩私拉乱接"
    assert read.lcut(text, HMM=True) == reference.lcut(text, HMM=True)
    cache.write_bytes(b"not a dictionary")  # an unreadable cache is rebuilt, not trusted
    again = jieba.Tokenizer()
    segment.load_dictionary(again)
    assert again.FREQ == reference.FREQ
