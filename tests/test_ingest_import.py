"""Importing exports end to end: counts add up, quarantine reasons, upserts, atomicity, privacy."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.store.categories import category_table
from civicdesk.store.schema import daily_rollup, import_batches, quarantine, tickets

HEADERS = ["工单编号", "受理时间", "来源渠道", "一级分类", "二级分类", "所属街道", "来电号码", "来电人",
           "诉求内容", "签收时间", "办结时间", "回访结果"]
PHONES = ["13812345678", "13987654321", "15000001111"]


def cn_rows() -> list[list[str]]:
    """Eight good rows and six bad ones, each bad for a known reason."""
    good = [
        ["GD001", "2023/2/10 8:05:00", "12345热线", "供暖", "暖气不热", "明水街道", PHONES[0], "张三",
         "家里暖气不热，联系电话13812345678", "2023/2/10 9:00:00", "2023/2/12 10:00:00", "满意"],
        ["GD002", "2023-02-10 09:15", "网格员上报", "安全隐患排查", "消防通道", "双山街道", "", "",
         "楼道堆放杂物", "2023-02-10 10:00", "", ""],
        ["GD003", "2023/2/11 14:00:00", "小程序", "供热", "", "明水街道", PHONES[0], "张三",
         "暖气还是不热", "", "", ""],
        ["GD004", "2023/2/11 15:30:00", "12345热线", "外星人投诉", "", "圣井街道", PHONES[1], "李四",
         "飞碟噪音", "", "2023/2/13 15:30:00", "基本满意"],
        ["GD005", "2023/2/12 8:00:00", "来访", "矛盾纠纷化解", "邻里纠纷", "埠村街道", PHONES[2], "王五",
         "邻居漏水", "2023/2/12 8:30:00", "2023/2/20 8:00:00", "不满意"],
        ["GD006", "2023/2/12 9:00:00", "传真", "水电气", "停水", "明水街道", "", "", "停水", "", "", ""],
        ["GD007", "2023/2/13 10:00:00", "12345热线", "物业管理", "", "明水街道", "", "", "电梯坏了",
         "", "", "未接通"],
        ["GD008", "2023/2/13 11:00:00", "12345热线", "物业管理", "", "明水街道", "", "", "电梯又坏了",
         "", "", ""],
    ]
    bad = [
        ["GD101", "昨天下午", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "", ""],
        ["GD102", "2023/2/10 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "2023/2/9 8:00:00", ""],
        ["GD103", "2099/1/1 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "", ""],
        ["GD001", "2023/2/14 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "dup", "", "", ""],
        ["GD105", "", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "", ""],
        ["GD106", "2023/2/14 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "2023/13/45", ""],
    ]
    return good + bad


def write_csv(path, rows, encoding="gb18030", headers=HEADERS):
    frame = pd.DataFrame(rows, columns=headers)
    frame.to_csv(path, index=False, encoding=encoding)
    return path


NOW = pd.Timestamp("2023-03-01")


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def snapshot(engine) -> dict:
    """Everything an import may write, to compare before and after."""
    with engine.connect() as conn:
        out = {}
        for table in (tickets, daily_rollup, import_batches, quarantine):
            cols = [c for c in table.c]
            out[table.name] = sorted(tuple(str(v) for v in r) for r in conn.execute(sa.select(*cols)).all())
    return out


def test_import_counts_reasons_and_mapping(store_url, tmp_path):
    engine = store.connect(store_url)
    path = write_csv(tmp_path / "工单导出.csv", cn_rows())
    rep = ingest.import_file(engine, path, now=NOW)
    assert rep.profile == "cn12345" and rep.encoding == "gb18030" and rep.source == "12345"
    assert (rep.rows_read, rep.inserted, rep.updated, rep.unchanged, rep.quarantined) == (14, 8, 0, 0, 6)
    assert rep.balanced
    assert rep.reasons == {"bad_date:created_at": 1, "closed_before_created": 1, "created_in_future": 1,
                           "duplicate_id_in_file": 1, "missing:created_at": 1, "bad_date:closed_at": 1}
    assert "merged_category" not in rep.warnings and rep.warnings["unknown_channel"] == 1
    with engine.connect() as conn:
        got = pd.DataFrame(conn.execute(sa.select(tickets).order_by(tickets.c.source_id)).mappings().all())
    got = got.set_index("source_id")
    assert got.loc["GD001", "channel"] == "hotline" and got.loc["GD002", "channel"] == "grid"
    assert got.loc["GD003", "channel"] == "app" and got.loc["GD005", "channel"] == "visit"
    assert got.loc["GD006", "channel"] == "other"
    # the centre's own categories are kept as written, and the import adds them to the categories table
    assert got.loc["GD003", "category"] == "供热" and got.loc["GD003", "category_raw"] is None
    assert got.loc["GD004", "category"] == "外星人投诉" and got.loc["GD004", "category_raw"] is None
    tree = category_table(engine)
    assert set(tree.loc[tree["level2"] == "", "level1"]) == set(got["category"].dropna())
    assert ("供暖", "暖气不热") in set(zip(tree["level1"], tree["level2"]))
    assert set(tree["handling"]) == {"ordinary"} and set(tree["origin"]) == {"import"}
    assert got.loc["GD001", "callback_result"] == "satisfied"
    assert got.loc["GD004", "callback_result"] == "basically_satisfied"
    assert got.loc["GD007", "callback_result"] == "not_reached"
    assert got.loc["GD001", "status"] == "closed" and got.loc["GD002", "status"] == "signed"
    assert got.loc["GD008", "status"] == "received"
    assert pd.Timestamp(got.loc["GD001", "created_at"]) == pd.Timestamp("2023-02-10 08:05:00")
    # the same caller (same phone) gets the same key; other callers differ; no phone, no key
    assert got.loc["GD001", "caller_key"] == got.loc["GD003", "caller_key"] is not None
    assert got.loc["GD004", "caller_key"] != got.loc["GD001", "caller_key"]
    assert pd.isna(got.loc["GD002", "caller_key"])
    assert "13812345678" not in got.loc["GD001", "description"] and "138****5678" in got.loc["GD001", "description"]
    q = ingest.quarantined_rows(engine, rep.batch_id)
    assert sorted(q["row_number"]) == [10, 11, 12, 13, 14, 15]
    assert q.set_index("row_number").loc[13, "工单编号"] == "GD001"
    assert "文件内编号重复" in q.set_index("row_number").loc[13, "reasons"]
    # the rollup holds the stored tickets
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.sum(daily_rollup.c.received))).scalar() == 8
    past = ingest.batches(engine)
    assert past.iloc[0]["rows_read"] == 14 and past.iloc[0]["sha256"] == rep.sha256


def test_reimport_changes_nothing_and_later_export_updates(store_url, tmp_path):
    engine = store.connect(store_url)
    rows = cn_rows()[:8]
    first = ingest.import_file(engine, write_csv(tmp_path / "a.csv", rows), now=NOW)
    before = snapshot(engine)["tickets"]
    again = ingest.import_file(engine, write_csv(tmp_path / "a.csv", rows), now=NOW)
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 8, 0)
    assert snapshot(engine)["tickets"] == before
    later = [list(r) for r in rows]
    later[1][10] = "2023-02-11 17:00"          # GD002 now closed
    later[7][9] = "2023/2/13 12:00:00"         # GD008 now signed
    later.append(["GD009", "2023/2/14 9:00:00", "12345热线", "供暖", "", "明水街道", "", "", "new", "", "", ""])
    rep = ingest.import_file(engine, write_csv(tmp_path / "b.csv", later), now=NOW)
    assert (rep.rows_read, rep.inserted, rep.updated, rep.unchanged) == (9, 1, 2, 6)
    assert first.batch_id < again.batch_id < rep.batch_id
    with engine.connect() as conn:
        row = conn.execute(sa.select(tickets.c.status, tickets.c.closed_at, tickets.c.batch_id)
                           .where(tickets.c.source_id == "GD002")).one()
        closed = conn.execute(sa.select(sa.func.sum(daily_rollup.c.closed))).scalar()
        total = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
    assert row.status == "closed" and row.batch_id == rep.batch_id
    assert closed == 4 and total == 9  # GD001, GD004, GD005 and now GD002


def test_rows_without_ids_get_stable_derived_ids(sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    rows = [r[1:] for r in cn_rows()[:5]]
    path = write_csv(tmp_path / "noid.csv", rows, headers=HEADERS[1:])
    first = ingest.import_file(engine, path, profile="cn12345", now=NOW)
    again = ingest.import_file(engine, path, profile="cn12345", now=NOW)
    assert first.inserted == 5 and first.warnings["derived_id"] == 5
    assert (again.inserted, again.unchanged) == (0, 5)
    with engine.connect() as conn:
        ids = conn.execute(sa.select(tickets.c.source_id, tickets.c.id_derived)).all()
    assert all(derived for _, derived in ids) and all(sid.startswith("h-") for sid, _ in ids)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_import_the_same(encoding, sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    rep = ingest.import_file(engine, write_csv(tmp_path / "e.csv", cn_rows(), encoding=encoding), now=NOW)
    assert (rep.inserted, rep.quarantined) == (8, 6)
    with engine.connect() as conn:
        names = set(conn.execute(sa.select(tickets.c.street)).scalars())
    assert names == {"明水街道", "双山街道", "圣井街道", "埠村街道"}


def test_failed_import_leaves_store_as_it_was(store_url, tmp_path, monkeypatch):
    engine = store.connect(store_url)
    ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()[:4]), now=NOW)
    before = snapshot(engine)
    from civicdesk.ingest import importer

    calls = {"n": 0}
    real = importer._Importer._store

    def failing(self, good):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real(self, good)

    monkeypatch.setattr(importer._Importer, "_store", failing)
    monkeypatch.setattr(importer, "DEFER_INDEXES_MIN_ROWS", 1)  # SQLite drops its indexes for the load
    rows = cn_rows()[:8] + [[f"GX{i}", "2023/2/15 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "x",
                              "", "", ""] for i in range(20)]
    with pytest.raises(OSError, match="disk full"):
        ingest.import_file(engine, write_csv(tmp_path / "b.csv", rows), now=NOW, chunk_rows=5)
    assert calls["n"] == 3
    assert snapshot(engine) == before
    assert {ix["name"] for ix in sa.inspect(engine).get_indexes("tickets")} >= {"ix_tickets_created_at",
                                                                                "ix_tickets_caller_key"}


def test_big_load_rebuilds_the_indexes_it_deferred(sqlite_url, tmp_path, monkeypatch):
    from civicdesk.ingest import importer

    monkeypatch.setattr(importer, "DEFER_INDEXES_MIN_ROWS", 1)
    engine = store.connect(sqlite_url)
    dropped = []
    real = importer._defer_indexes
    monkeypatch.setattr(importer, "_defer_indexes", lambda conn, n: dropped.extend(real(conn, n)) or dropped)
    rep = ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()), now=NOW)
    assert rep.inserted == 8 and len(dropped) == 2
    names = {ix["name"] for ix in sa.inspect(engine).get_indexes("tickets")}
    assert {"ix_tickets_created_at", "ix_tickets_caller_key"} <= names


def test_phone_numbers_never_reach_the_database_file(tmp_path):
    db = tmp_path / "privacy.db"
    engine = store.connect(f"sqlite:///{db}")
    ingest.import_file(engine, write_csv(tmp_path / "p.csv", cn_rows()), now=NOW)
    with engine.connect() as conn:
        raw = [json.loads(r) for r in conn.execute(sa.select(quarantine.c.raw)).scalars()]
    assert raw, "the quarantine must hold rows for this test to mean anything"
    engine.dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("privacy.db*"))
    for phone in PHONES:
        assert phone.encode() not in blob
    for name in ("张三", "李四", "王五"):
        assert name.encode() not in blob
    assert "明水街道".encode() in blob  # the grep would find what is stored in clear


def test_caller_secret_is_per_installation(tmp_path, monkeypatch, sqlite_url):
    keys = []
    for home in ("one", "two"):
        monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(tmp_path / home / "caller.key"))
        engine = store.connect(f"sqlite:///{tmp_path / home / 's.db'}")
        ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()[:1]), now=NOW)
        with engine.connect() as conn:
            keys.append(conn.execute(sa.select(tickets.c.caller_key)).scalar())
        assert (tmp_path / home / "caller.key").stat().st_mode & 0o077 == 0
    assert keys[0] and keys[1] and keys[0] != keys[1]


def test_first_imports_at_once_share_one_whole_secret(tmp_path):
    """Two imports starting together on a new installation both create the secret: neither may read it
    half-written or fail because the other created it first, and both must hash with the same one."""
    import threading

    from civicdesk.ingest.callers import installation_secret

    for trial in range(20):
        path = tmp_path / str(trial) / "caller.key"
        start, got, errors = threading.Barrier(8), [], []

        def read() -> None:
            try:
                start.wait(timeout=30)
                got.append(installation_secret(path))
            except Exception as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors, errors
        assert len(set(got)) == 1 and len(got[0]) == 64
        assert path.stat().st_mode & 0o077 == 0
        assert [p.name for p in path.parent.iterdir()] == ["caller.key"]  # no temporary file left


def test_mapping_override_and_unknown_headers(sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    frame = pd.DataFrame({"单号": ["A1", "A2"], "发生时刻": ["2023-02-10 08:00", "2023-02-11 09:00"],
                          "内容": ["a", "b"]})
    frame.to_csv(tmp_path / "odd.csv", index=False)
    pv = ingest.preview(tmp_path / "odd.csv")  # no profile names these headers: a mapping is proposed
    assert pv.proposed and pv.mapping == {"source_id": "单号", "created_at": "发生时刻", "description": "内容"}
    with pytest.raises(ingest.ProfileError, match="no column '受理时间'"):
        ingest.import_file(engine, tmp_path / "odd.csv", profile="cn12345", mapping={"created_at": "受理时间"})
    rep = ingest.import_file(engine, tmp_path / "odd.csv", profile="cn12345", now=NOW,
                             mapping={"created_at": "发生时刻", "source_id": "单号", "description": "内容"})
    assert rep.inserted == 2 and rep.mapping["created_at"] == "发生时刻"


def test_user_profile_is_picked_from_headers(sqlite_url, tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "mycentre.toml").write_text('''
name = "mycentre"
label = "本中心平台"
source = "mycentre"
[columns]
source_id = ["单号"]
created_at = ["发生时刻"]
category = ["大类"]
[values.category]
"取暖" = "供暖"
''', encoding="utf-8")
    monkeypatch.setenv("CIVICDESK_PROFILES_DIR", str(folder))
    pd.DataFrame({"单号": ["A1"], "发生时刻": ["2023-02-10 08:00"], "大类": ["取暖"]}).to_csv(
        tmp_path / "mine.csv", index=False)
    pv = ingest.preview(tmp_path / "mine.csv")
    assert pv.profile.name == "mycentre" and pv.mapped.iloc[0]["category"] == "供暖"
    rep = ingest.import_file(store.connect(sqlite_url), tmp_path / "mine.csv", now=NOW)
    assert (rep.profile, rep.source, rep.inserted) == ("mycentre", "mycentre", 1)


def test_bad_profile_file_gets_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text('name = "x"\n[columns]\nwhen = ["时间"]\n', encoding="utf-8")
    monkeypatch.setenv("CIVICDESK_PROFILES_DIR", str(tmp_path))
    with pytest.raises(ingest.ProfileError, match="unknown fields"):
        ingest.load_profiles()


def test_open311_json(sqlite_url, tmp_path):
    requests = [
        {"service_request_id": "638344", "status": "closed", "service_name": "Graffiti Removal",
         "service_code": "006", "agency_responsible": "OCB", "requested_datetime": "2023-02-10T08:05:00+08:00",
         "updated_datetime": "2023-02-11T09:00:00+08:00", "closed_datetime": "2023-02-11T09:00:00+08:00",
         "expected_datetime": None, "address": "8TH AVE", "lat": 37.76, "long": -122.4},
        {"service_request_id": "638345", "status": "open", "service_name": "Pothole",
         "requested_datetime": "2023-02-10T00:30:00Z", "description": "big hole"},
    ]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    engine = store.connect(sqlite_url)
    rep = ingest.import_file(engine, path, now=NOW)
    assert (rep.format, rep.profile, rep.inserted) == ("open311", "open311", 2)
    with engine.connect() as conn:
        got = {r.source_id: r for r in conn.execute(sa.select(tickets)).all()}
    assert got["638344"].status == "closed" and got["638345"].status == "received"
    assert pd.Timestamp(got["638345"].created_at) == pd.Timestamp("2023-02-10 08:30:00")
    assert got["638344"].category == "Graffiti Removal" and got["638344"].category_raw is None


def test_import_refreshes_only_the_days_it_touches(demo_store_url, tmp_path):
    import shutil

    from civicdesk.store.rollup import rebuild_rollup

    src = demo_store_url.removeprefix("sqlite:///")
    copy = tmp_path / "copy.db"
    shutil.copy(src, copy)
    engine = store.connect(f"sqlite:///{copy}")
    with engine.connect() as conn:
        before = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all())
    rep = ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()[:8]), now=NOW)
    assert rep.inserted == 8
    with engine.connect() as conn:
        after = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all())
    outside = lambda f: f[(pd.to_datetime(f["day"]) < "2023-02-10") | (pd.to_datetime(f["day"]) > "2023-03-16")]
    pd.testing.assert_frame_equal(outside(before).reset_index(drop=True), outside(after).reset_index(drop=True))
    with engine.begin() as conn:
        rebuild_rollup(conn)
        rebuilt = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all())
    key = ["day", "street", "category", "channel"]
    pd.testing.assert_frame_equal(after.sort_values(key).reset_index(drop=True),
                                  rebuilt.sort_values(key).reset_index(drop=True))


KILLED_CHILD = """
import pathlib, sys, time
from civicdesk import ingest, store
from civicdesk.ingest import importer

real, calls = importer._Importer._store, [0]

def store_then_hang(self, good):
    real(self, good)
    calls[0] += 1
    if calls[0] == 2:                       # two chunks are written inside the open transaction
        pathlib.Path(sys.argv[3]).write_text("written")
        time.sleep(600)

importer._Importer._store = store_then_hang
ingest.import_file(store.connect(sys.argv[1]), sys.argv[2], chunk_rows=50, now="2023-03-01")
"""


def test_killed_import_leaves_store_as_it_was(store_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    engine = store.connect(store_url)
    ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()[:4]), now=NOW)
    before = snapshot(engine)
    engine.dispose()
    rows = [[f"GX{i}", "2023/2/15 8:00:00", "12345热线", "供暖", "", "明水街道", "", "", "x", "", "", ""]
            for i in range(300)]
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, store_url,
                              str(write_csv(tmp_path / "big.csv", rows)), str(marker)], env=os.environ.copy())
    deadline = time.monotonic() + 120
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the child never reached the middle of the import"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert snapshot(store.connect(store_url)) == before


def test_rollup_built_in_memory_equals_a_rebuild(store_url, tmp_path):
    """A first import computes the rollup from memory; it must match one rebuilt from the stored tickets."""
    from civicdesk.store.rollup import rebuild_rollup

    engine = store.connect(store_url)
    rows = cn_rows()[:8] + [[f"GR{i}", f"2023/{1 + i % 2}/{1 + i % 28} {i % 24}:00:00", "12345热线", "供暖", "",
                             "明水街道", PHONES[i % 3], "", "x", "", f"2023/{1 + i % 2}/{1 + i % 28} 23:30:00", "满意"]
                            for i in range(300)]
    ingest.import_file(engine, write_csv(tmp_path / "a.csv", rows), now=NOW, chunk_rows=70)
    key = ["day", "street", "category", "channel"]
    with engine.connect() as conn:
        built = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all()).sort_values(key, ignore_index=True)
    with engine.begin() as conn:
        rebuild_rollup(conn)
        rebuilt = pd.DataFrame(conn.execute(sa.select(daily_rollup)).mappings().all()).sort_values(key, ignore_index=True)
    assert built["repeat_contacts"].sum() > 0
    pd.testing.assert_frame_equal(built, rebuilt)


def test_values_too_long_for_the_store_are_quarantined(sqlite_url, tmp_path):
    rows = cn_rows()[:2]
    rows[1][5] = "街" * 65
    rep = ingest.import_file(store.connect(sqlite_url), write_csv(tmp_path / "long.csv", rows), now=NOW)
    assert (rep.inserted, rep.quarantined, rep.reasons) == (1, 1, {"too_long:street": 1})


def test_quarantine_download_and_quality_summary(store_url, tmp_path):
    import io

    from civicdesk.ingest.history import quarantine_excel

    engine = store.connect(store_url)
    rep = ingest.import_file(engine, write_csv(tmp_path / "a.csv", cn_rows()), now=NOW)
    sheet = pd.read_excel(io.BytesIO(quarantine_excel(engine, rep.batch_id)), dtype=str)
    assert len(sheet) == 6 and {"行号", "隔离原因", "工单编号", "受理时间"} <= set(sheet.columns)
    assert "办结早于受理" in set(sheet["隔离原因"])
    summary = ingest.quality_summary(engine, as_of="2023-03-01")
    row = summary.set_index(["source", "month"]).loc[("12345", "2023-02")]
    # 8 stored; GD002 and GD006-GD008 have no caller; GD002, GD003, GD006, GD007, GD008 are open, and all five are
    # past their 5-working-day limit on 1 March
    assert (row["rows"], row["missing_street"], row["missing_caller"]) == (8, 0, 4)
    assert (row["closed_before_created"], row["open_past_deadline"]) == (0, 5)
    early = ingest.quality_summary(engine, as_of="2023-02-14").set_index(["source", "month"])
    assert early.loc[("12345", "2023-02"), "open_past_deadline"] == 0


def test_the_library_refuses_files_over_the_import_limit(sqlite_url, tmp_path, monkeypatch):
    """The size limit holds for every way in (app server path, notebooks), not only the CLI."""
    import sqlalchemy as sa

    from civicdesk.ingest.readers import NotATableError
    from civicdesk.store.schema import import_batches

    engine = store.connect(sqlite_url)
    path = write_csv(tmp_path / "big.csv", cn_rows())
    monkeypatch.setenv("CIVICDESK_MAX_IMPORT_MB", str(path.stat().st_size / 2**20 / 2))
    with pytest.raises(NotATableError, match="over the import limit"):
        ingest.import_file(engine, path)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(import_batches)).scalar() == 0
