"""Callback results imported on their own: joined onto stored tickets by id, with the same accounting,
the rollup refreshed and the satisfaction rate following."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, kpi, store
from civicdesk.store.rollup import rebuild_rollup
from civicdesk.store.schema import daily_rollup, quarantine, tickets
from tests.conftest import make_tickets

HEADER = ["工单编号", "回访时间", "回访结果"]


def write(path, rows, header=HEADER):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def stored_store(url, extra=()):
    """A store with six tickets of source "12345" (source_id "0".."5", ticket_id T00000..T00005), the week
    of 2023-02-13, none called back yet."""
    engine = store.connect(url)
    rows = [{"created_at": f"2023-02-{13 + i % 3} {8 + i:02d}:00", "closed_at": f"2023-02-{15 + i % 3} 10:00"}
            for i in range(6)]
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets(rows, source="12345"))
        for frame in extra:
            store.write_tickets(conn, frame)
    return engine


def callbacks_of(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tickets.c.source, tickets.c.source_id, tickets.c.callback_result,
                                      tickets.c.callback_at)).all()
    return {f"{s}/{i}": (r, None if a is None else str(pd.Timestamp(a))) for s, i, r, a in rows}


def satisfaction(engine) -> float:
    return float(kpi.totals(kpi.kpi_table(engine, "W"))["satisfaction_rate"].iloc[0])


def rows_of_a_callback_file():
    """Five good rows (lines 2-6), then seven quarantined ones."""
    return [
        ["0", "2023-02-16 10:00", "满意"],
        ["T00001", "2023/2/16 11:00", "Basically satisfied"],      # by the platform's ticket number
        ["2", "2023-02-17 09:00", "非常不满意"],
        ["3", "2023-02-17 09:30", "无人接听"],                     # not reached: left out of the rate
        ["4", "", "满意"],                                         # no time: the result alone
        ["99", "2023-02-16 10:00", "满意"],                        # no such ticket
        ["5", "2023-02-16 10:00", "还行吧"],                       # result not recognised
        ["5", "下周", "满意"],                                     # bad time
        ["", "2023-02-16 10:00", "满意"],                          # no id
        ["0", "2023-02-15 10:00", "不满意"],                       # an earlier callback of ticket 0
        ["5", "2023-02-01 10:00", "满意"],                         # before the ticket was created
        ["2", "2023-02-17 09:00", "满意"],                         # the same ticket at the same time again
    ]


def test_callbacks_accounting_reasons_and_satisfaction(store_url, tmp_path):
    engine = stored_store(store_url)
    assert pd.isna(satisfaction(engine))  # no callbacks yet: no rate, not 0%
    rep = ingest.import_reference(engine, "callbacks", write(tmp_path / "回访.csv", rows_of_a_callback_file()))
    assert rep.balanced and rep.profile == "reference:callbacks"
    assert (rep.rows_read, rep.inserted, rep.updated, rep.unchanged, rep.quarantined) == (12, 0, 5, 0, 7)
    with engine.connect() as conn:
        reasons = dict(conn.execute(sa.select(quarantine.c.row_number, quarantine.c.reasons)
                                    .where(quarantine.c.batch_id == rep.batch_id)).all())
    assert reasons == {7: "no_such_ticket", 8: "bad_value:callback_result", 9: "bad_date:callback_at",
                       10: "missing:ticket_id", 11: "superseded_callback", 12: "callback_before_created",
                       13: "duplicate_id_in_file"}
    got = callbacks_of(engine)
    assert got["12345/0"] == ("satisfied", "2023-02-16 10:00:00")
    assert got["12345/1"][0] == "basically_satisfied" and got["12345/2"][0] == "unsatisfied"
    assert got["12345/3"][0] == "not_reached" and got["12345/4"] == ("satisfied", None)
    assert got["12345/5"] == (None, None)
    # 满意率 = (满意 + 基本满意) / reached = 3 / 4; the unreached callback is left out
    assert satisfaction(engine) == pytest.approx(0.75)
    # the rollup written in the import equals one rebuilt from the tickets
    with engine.connect() as conn:
        before = sorted(map(tuple, conn.execute(sa.select(daily_rollup)).all()))
    with engine.begin() as conn:
        rebuild_rollup(conn)
    with engine.connect() as conn:
        assert sorted(map(tuple, conn.execute(sa.select(daily_rollup)).all())) == before


def test_second_import_is_unchanged_and_a_new_result_updates(store_url, tmp_path):
    engine = stored_store(store_url)
    path = write(tmp_path / "cb.csv", rows_of_a_callback_file()[:5])
    ingest.import_reference(engine, "callbacks", path)
    again = ingest.import_reference(engine, "callbacks", path)
    assert (again.updated, again.unchanged, again.quarantined) == (0, 5, 0)
    later = write(tmp_path / "cb2.csv", [["2", "2023-02-18 09:00", "满意"], ["4", "", "满意"]])
    rep = ingest.import_reference(engine, "callbacks", later)
    assert (rep.updated, rep.unchanged) == (1, 1)
    assert satisfaction(engine) == pytest.approx(1.0)


def test_ids_of_several_sources_need_a_source(store_url, tmp_path):
    other = make_tickets([{"created_at": "2023-02-14 08:00"}], source="app")  # source_id "0" again
    engine = stored_store(store_url, extra=[other])
    header = ["Ticket ID", "Callback time", "Result", "Source"]
    path = write(tmp_path / "cb.csv", [["0", "2023-02-16 10:00", "Satisfied", ""],
                                       ["0", "2023-02-16 11:00", "Dissatisfied", "app"]], header)
    rep = ingest.import_reference(engine, "callbacks", path)
    assert (rep.updated, rep.quarantined) == (1, 1) and rep.reasons == {"ambiguous_ticket": 1}
    assert callbacks_of(engine)["app/0"][0] == "unsatisfied"
    path = write(tmp_path / "cb2.csv", [["0", "2023-02-16 10:00", "Satisfied"]], header[:3])
    rep = ingest.import_reference(engine, "callbacks", path, source="12345")
    assert rep.updated == 1 and callbacks_of(engine)["12345/0"][0] == "satisfied"


def test_a_failed_callback_import_changes_nothing(store_url, tmp_path):
    engine = stored_store(store_url)
    with engine.connect() as conn:
        before = (sorted(map(tuple, conn.execute(sa.select(daily_rollup)).all())), callbacks_of(engine))

    def fail_late(fraction, message):
        if fraction >= 0.95:
            raise OSError("disk full (simulated)")

    with pytest.raises(OSError):
        ingest.import_reference(engine, "callbacks", write(tmp_path / "cb.csv", rows_of_a_callback_file()),
                                progress=fail_late)
    with engine.connect() as conn:
        after = (sorted(map(tuple, conn.execute(sa.select(daily_rollup)).all())), callbacks_of(engine))
    assert after == before and ingest.batches(engine).empty


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_callback_template_imports_its_example_row(sqlite_url, tmp_path, lang):
    example = ingest.templates.EXAMPLES["callbacks"][lang][0]
    engine = stored_store(sqlite_url, extra=[make_tickets([{"created_at": "2023-02-10 08:00",
                                                            "source_id": example}], source="hotline")])
    for fmt in ("csv", "xlsx"):
        path = tmp_path / ingest.template_name("callbacks", lang, fmt)
        path.write_bytes(ingest.template("callbacks", lang, fmt))
        rep = ingest.import_reference(engine, "callbacks", path)
        assert rep.rows_read == 1 and rep.quarantined == 0 and rep.updated + rep.unchanged == 1
    assert callbacks_of(engine)[f"hotline/{example}"] == ("satisfied", "2023-02-12 10:30:00")


def test_preview_checks_without_writing(sqlite_url, tmp_path):
    engine = stored_store(sqlite_url)
    path = write(tmp_path / "cb.csv", rows_of_a_callback_file())
    pv = ingest.preview_reference(engine, "callbacks", path, rows=8)
    assert pv.mapping == {"ticket_id": "工单编号", "callback_at": "回访时间", "callback_result": "回访结果"}
    assert len(pv.sample) == 8 and pv.quarantined["row_number"].tolist() == [7, 8, 9]
    assert all(v == (None, None) for v in callbacks_of(engine).values())


def test_a_callback_file_reads_results_as_a_ticket_export_does():
    """Every result word a ticket export is read with (the codes' labels and the shipped profiles' tables)
    means the same in a callback file; the callback file's own synonyms only add words."""
    from civicdesk.ingest.guess import header_key
    from civicdesk.ingest.normalize import value_words
    from civicdesk.ingest.profiles import SHIPPED_DIR, load_profile_file
    from civicdesk.ingest.refspec import CALLBACK_WORDS

    shipped = [load_profile_file(p) for p in sorted(SHIPPED_DIR.glob("*.toml"))]
    ticket_words = value_words("callback_result", shipped)
    assert "未回访" in ticket_words
    assert {w: CALLBACK_WORDS.get(header_key(w)) for w in ticket_words} == ticket_words


def test_not_called_back_is_not_reached(sqlite_url, tmp_path):
    engine = stored_store(sqlite_url)
    path = write(tmp_path / "cb.csv", [["0", "2023-02-16 10:00", "未回访"]])  # 12345 exports write it too
    rep = ingest.import_reference(engine, "callbacks", path)
    assert rep.quarantined == 0 and rep.updated == 1
    assert callbacks_of(engine)["12345/0"] == ("not_reached", "2023-02-16 10:00:00")
