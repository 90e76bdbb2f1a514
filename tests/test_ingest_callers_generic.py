"""Callers known only by an honorific or a generic word (张先生, 市民, 匿名) never become one caller.

Imports, the repeat-contact rate, the key-problem list, and the correction of stores imported before the
rule (`rekey_generic`, migration 0008), on SQLite and PostgreSQL.
"""
from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import config, ingest, kpi, store
from civicdesk.drivers.repeats import key_problems
from civicdesk.ingest import callers
from civicdesk.ingest.callers import (CallerHasher, generic_keys, generic_names, hash_values, installation_secret,
                                      is_generic_name, is_placeholder_phone, placeholder_phones, rekey_generic)
from civicdesk.store.bulk import bulk_insert
from civicdesk.store.engine import MIGRATIONS_DIR
from civicdesk.store.schema import daily_rollup, tickets
from tests.conftest import make_tickets
from tests.test_ingest_import import write_csv

GENERIC = ["张先生", "王女士", "李小姐", "李师傅", "刘老师", "陈阿姨", "赵大爷", "周大妈", "吴大姐", "郑大哥", "孙同学",
           "钱老人", "冯总", "卫工", "蒋老", "欧阳女士", "诸葛先生", "某先生", "张某某先生", "老张", "小王", "阿明", "张",
           "张某", "张某某", "张*", "张**", "张××", "张姓市民", "匿名", "市民", "群众", "居民", "未知", "无", "不详",
           "业主", "来电人", "热心市民", "热心群众", "某小区居民", "先生", "女士", "网友", "游客", "用户", "村民们",
           "-", "--", "N/A", "n/a", "NA", "null", "unknown", "Unknown", "anonymous", "ANONYMOUS", "resident",
           "caller", "a resident", "anonymous caller", "Mr. Zhang", "Mr Zhang", "Mrs. Li", "Ms Wang", "Miss Chen",
           "MR. WANG", "Sir", "Madam", "Zhang xiansheng", "", "   ", "。。", "***", "?", "0", "000",
           "张先生（业主）", "王女士、李先生", " 张先生 ", "张 先生", "ＮＯＮＥ", None, float("nan"), pd.NA]
REAL = ["张伟", "王秀英", "李娜", "欧阳修", "诸葛亮", "司马相如", "何和平", "王伟先生", "张*明", "王秀英（业主）",
        "A00031618", "UU008582", "12345678", "Mr. Zhang Wei", "John Smith", "Zhang Wei"]

T0 = pd.Timestamp("2023-03-01 09:00")
NOW = pd.Timestamp("2023-06-01")


@pytest.mark.parametrize("name", GENERIC)
def test_generic_names_are_recognised(name):
    assert is_generic_name(name)


@pytest.mark.parametrize("name", REAL)
def test_real_names_are_not_generic(name):
    assert not is_generic_name(name)


def test_placeholder_phones():
    got = is_placeholder_phone(pd.Series(["0", "12345", "110", "00000000000", "13812345678", "053188881234",
                                          "6688123", None], dtype=object))
    assert got.tolist() == [True, True, True, True, False, False, False, False]


def test_keys_rule():
    hasher = CallerHasher(b"s" * 64)
    phones = pd.Series(["13812345678", "138-1234-5678", None, None, None, "0", "12345", None, ""], dtype=object)
    names = pd.Series(["张先生", "王女士", "张先生", "张伟", " 张伟 ", "张伟", "张先生", "匿名", "李师傅"], dtype=object)
    keys = hasher.keys(phones, names)
    assert keys[0] == keys[1] is not None  # a phone makes the key, whatever the name
    assert keys[2] is None and keys[7] is None and keys[8] is None  # a generic name alone makes none
    assert keys[3] == keys[4] == keys[5] is not None and keys[3] != keys[0]  # a real name does (0 is no phone)
    assert keys[6] is None  # a placeholder phone with a generic name: no key
    assert hasher.keys(None, pd.Series(GENERIC, dtype=object)).isna().all()
    assert hasher.keys(None, pd.Series(REAL, dtype=object)).notna().all()


def test_enumerated_generic_names_are_all_generic():
    names = generic_names()
    assert len(names) > 30_000 and {"张先生", "王女士", "李师傅", "匿名", "市民", "Mr. Zhang"} <= set(names)
    assert all(is_generic_name(n) for n in names)
    assert is_placeholder_phone(pd.Series(placeholder_phones(), dtype=object)).all()


def test_migration_snapshot_only_clears_generic_keys():
    """Migration 0008 carries its own copy of the lists: each name it clears is generic by today's rule,
    and it finds every name the library's `generic_names` lists (the two agree at this revision)."""
    path = next((MIGRATIONS_DIR / "versions").glob("0008_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert all(is_generic_name(n) for n in module._names())
    assert set(module._names()) == set(generic_names()) and module._phones() == placeholder_phones()
    assert set(module._keys(b"k" * 64)) == generic_keys(b"k" * 64)


def _row(i: int, day: pd.Timestamp, phone: str, name: str, text: str = "暖气不热") -> list[str]:
    return [f"GD{i:04d}", f"{day:%Y/%m/%d %H:%M:%S}", "12345热线", "供暖", "暖气不热", "明水街道", phone, name, text,
            "", "", ""]


def _keys_by_id(engine) -> pd.Series:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tickets.c.source_id, tickets.c.caller_key)).all()
    return pd.Series({sid: key for sid, key in rows}, dtype=object)


def _repeats(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.sum(daily_rollup.c.repeat_contacts))).scalar() or 0)


def test_twenty_mr_zhangs_are_not_one_repeat_caller(store_url, tmp_path):
    engine = store.connect(store_url)
    rows = [_row(i, T0 + pd.Timedelta(hours=20 * i), "", "张先生") for i in range(20)]  # 20 contacts in 17 days
    rows += [_row(100 + i, T0 + pd.Timedelta(days=3 * i, hours=1), "", "王秀英") for i in range(3)]
    rows += [_row(200 + i, T0 + pd.Timedelta(days=2 * i, hours=2), "13812345678", "李女士") for i in range(2)]
    rows += [_row(300, T0 + pd.Timedelta(days=1, hours=3), "13812345678", "")]
    rows += [_row(400 + i, T0 + pd.Timedelta(days=i, hours=4), "", name) for i, name in
             enumerate(["匿名", "市民", "王女士", "李师傅", "anonymous", "Mr. Zhang", "王女士", "市民", "匿名"])]
    rep = ingest.import_file(engine, write_csv(tmp_path / "工单.csv", rows), now=NOW)
    assert rep.inserted == len(rows) and rep.quarantined == 0
    keys = _keys_by_id(engine)
    zhang = keys[[f"GD{i:04d}" for i in range(20)]]
    assert zhang.isna().all()  # no key: twenty residents, not one caller
    assert keys[[f"GD{400 + i:04d}" for i in range(9)]].isna().all()
    wang = keys[["GD0100", "GD0101", "GD0102"]]
    assert wang.notna().all() and wang.nunique() == 1  # a real name without a phone: one caller
    phone = keys[["GD0200", "GD0201", "GD0300"]]
    assert phone.notna().all() and phone.nunique() == 1  # same phone, with or without the name: one caller
    assert keys.dropna().nunique() == 2
    # repeat contacts: 王秀英's 2nd and 3rd, the phone's 2nd and 3rd; none of the 张先生 tickets
    assert _repeats(engine) == 4
    week = kpi.totals(kpi.kpi_table(engine, freq="D"))
    assert week["received"].iloc[0] == len(rows)
    assert week["repeat_rate"].iloc[0] == pytest.approx(4 / len(rows))
    kp = key_problems(engine, (T0 + pd.Timedelta(days=16)).date(), kinds=("caller",))
    assert len(kp.entries) == 2  # 王秀英 and the phone caller; the twenty 张先生 are no caller
    assert sorted(kp.entries["contacts"]) == [3, 3]


def _old_keys(names: list[str | None], phones: list[str | None]) -> list[str | None]:
    """Caller keys as the importer made them before generic names were checked: phone, else any name."""
    secret = installation_secret()
    by_phone = hash_values(pd.Series(phones, dtype=object), secret, "tel")
    by_name = hash_values(pd.Series([n.strip() if n else None for n in names], dtype=object), secret, "name")
    return [p if p is not None else n for p, n in zip(by_phone, by_name)]


def _old_store_rows() -> pd.DataFrame:
    """Tickets keyed the old way: 12 × 张先生, 3 × 市民, 2 × Mr. Zhang, 2 × 0 as phone, 3 × 王秀英, 2 × a phone."""
    names = ["张先生"] * 12 + ["市民"] * 3 + ["Mr. Zhang"] * 2 + ["李四"] * 2 + ["王秀英"] * 3 + ["张先生"] * 2
    phones = [None] * 17 + ["0"] * 2 + [None] * 3 + ["13812345678"] * 2
    keys = _old_keys(names, phones)
    assert len(set(keys)) == 6  # one "caller" per name or phone: the bug
    created = [T0 + pd.Timedelta(days=i) for i in range(len(keys))]
    return make_tickets([dict(created_at=t, caller_key=k) for t, k in zip(created, keys)], source="12345")


def _check_rekeyed(engine) -> None:
    with engine.connect() as conn:
        keys = [k for _, k in sorted(conn.execute(sa.select(tickets.c.source_id, tickets.c.caller_key)).all(),
                                     key=lambda r: int(r[0]))]
    assert all(k is None for k in keys[:19])  # 张先生, 市民, Mr. Zhang and the placeholder phone 0: cleared
    assert keys[19] == keys[20] == keys[21] is not None and keys[22] == keys[23] is not None
    assert _repeats(engine) == 3  # 王秀英's 2nd and 3rd, the phone's 2nd


def test_rekey_generic_fixes_a_store_keyed_the_old_way(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, _old_store_rows())
    assert _repeats(engine) == 11 + 2 + 1 + 1 + 2 + 1  # inflated by the generic "callers"
    assert rekey_generic(engine) == 19
    _check_rekeyed(engine)
    assert rekey_generic(engine) == 0  # idempotent
    _check_rekeyed(engine)


def test_rekey_generic_with_another_secret_changes_nothing(store_url):
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, _old_store_rows())
    assert rekey_generic(engine, secret=b"another installation's secret, 64 chars long............") == 0
    assert _repeats(engine) == 18


def test_migration_0008_clears_generic_keys_and_rebuilds_the_rollup(store_url):
    engine = store.create_engine(store_url)
    store.migrate(engine, "0007")
    with engine.begin() as conn:
        bulk_insert(conn, tickets, _old_store_rows())
    engine.dispose()
    upgraded = store.connect(store_url)
    assert store.current_revision(upgraded) == store.head_revision()
    _check_rekeyed(upgraded)
    info = store.info(upgraded)
    assert "rollup_rebuild" not in info and "caller_rekey_pending" not in info


def test_migration_0008_without_the_secret_leaves_the_work_pending(store_url, tmp_path, monkeypatch):
    engine = store.create_engine(store_url)
    store.migrate(engine, "0007")
    rows = _old_store_rows()
    with engine.begin() as conn:
        bulk_insert(conn, tickets, rows)
    engine.dispose()
    secret_file = config.secret_path()
    monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(tmp_path / "elsewhere" / "caller.key"))
    upgraded = store.connect(store_url)
    assert store.info(upgraded).get("caller_rekey_pending") == "1"
    assert not (tmp_path / "elsewhere" / "caller.key").exists()  # the upgrade never makes a secret
    assert _keys_by_id(upgraded).sort_index(key=lambda s: s.astype(int)).tolist() == rows["caller_key"].tolist()
    monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(secret_file))
    assert rekey_generic(upgraded) == 19
    _check_rekeyed(upgraded)
    assert "caller_rekey_pending" not in store.info(upgraded)


def test_a_new_store_needs_no_rekey(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(tmp_path / "none" / "caller.key"))
    engine = store.connect(store_url)
    assert "caller_rekey_pending" not in store.info(engine)
    assert rekey_generic(engine) == 0 and not (tmp_path / "none").exists()
    assert callers.REKEY_PENDING == "caller_rekey_pending"


def test_migration_0008_leaves_a_demo_store_without_imports_alone(store_url, tmp_path, monkeypatch):
    """The demo's caller keys come from synthetic phone numbers, not names: no secret needed, no flag."""
    engine = store.create_engine(store_url)
    store.migrate(engine, "0007")
    rows = make_tickets([dict(created_at=T0 + pd.Timedelta(days=i), caller_key="a1b2c3d4e5f60718") for i in range(3)])
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO store_info (key, value) VALUES ('demo_seed', '0')"))
        bulk_insert(conn, tickets, rows)
    engine.dispose()
    monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(tmp_path / "none" / "caller.key"))
    upgraded = store.connect(store_url)
    assert "caller_rekey_pending" not in store.info(upgraded)
    assert set(_keys_by_id(upgraded)) == {"a1b2c3d4e5f60718"} and _repeats(upgraded) == 2


def test_the_rekey_command_clears_generic_keys(store_url):
    from typer.testing import CliRunner

    from civicdesk.cli import app

    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, _old_store_rows())
    result = CliRunner().invoke(app, ["rekey-callers", "--db", store_url])
    assert result.exit_code == 0, result.output
    assert "19 tickets" in result.output
    _check_rekeyed(engine)
