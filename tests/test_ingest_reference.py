"""Reference data import (streets, grids, roster, categories): accounting, quarantine reasons, upserts,
atomicity, access, templates and the streets tickets name that the streets table lacks."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from civicdesk import ingest, store
from civicdesk.access import AccessDenied, User, acting_as
from civicdesk.store.categories import category_table
from civicdesk.store.schema import audit_log, grids, import_batches, quarantine, staff, streets
from tests.conftest import make_tickets

SQUARE = {"type": "Polygon", "coordinates": [[[117.0, 36.0], [117.1, 36.0], [117.1, 36.1], [117.0, 36.0]]]}


def write(path, header, rows, encoding="utf-8-sig"):
    """A CSV of `rows` under `header` (strings; "" is an empty cell)."""
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


def table_rows(engine, table) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(str(v) for v in r) for r in conn.execute(sa.select(table)).all())


def snapshot(engine) -> dict:
    return {t.name: table_rows(engine, t) for t in (streets, grids, staff, import_batches, quarantine, audit_log)}


def reasons_by_row(engine, batch_id) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(quarantine.c.row_number, quarantine.c.reasons)
                            .where(quarantine.c.batch_id == batch_id)).all()
    return dict(rows)


STREET_HEADER = ["镇街名称", "镇街编码", "英文名称", "类型", "户数", "边界（GeoJSON）"]


def street_rows():
    """Three good streets (rows 2-4) and six bad ones (rows 5-10)."""
    return [
        ["明水街道", "mingshui", "Mingshui", "街道", "38,000", json.dumps(SQUARE)],
        ["刁镇", "", "Diao Town", "town", "12000", ""],
        ["双山街道", "shuangshan", "", "", "", ""],
        ["", "x1", "", "", "", ""],                                # missing name
        ["龙山街道", "longshan", "", "县城", "", ""],               # unknown kind
        ["枣园街道", "zaoyuan", "", "街道", "很多", ""],            # bad number
        ["埠村街道", "bucun", "", "", "", '{"type": "Point", "coordinates": [117, 36]}'],  # not a boundary
        ["明水街道", "mingshui2", "", "", "", ""],                  # the same name again
        ["圣井街道", "SHUANGSHAN", "", "", "", ""],                 # another row's code (any case)
    ]


def test_streets_accounting_reasons_and_batch_log(store_url, tmp_path):
    engine = store.connect(store_url)
    rep = ingest.import_reference(engine, "streets", write(tmp_path / "镇街.csv", STREET_HEADER, street_rows()))
    assert rep.balanced and rep.profile == "reference:streets"
    assert (rep.rows_read, rep.inserted, rep.updated, rep.unchanged, rep.quarantined) == (9, 3, 0, 0, 6)
    assert reasons_by_row(engine, rep.batch_id) == {
        5: "missing:name", 6: "bad_value:kind", 7: "bad_value:households", 8: "bad_geojson",
        9: "duplicate_id_in_file", 10: "code_taken"}
    table = store.street_table(engine).set_index("name")
    assert table.loc["明水街道", "households"] == 38000 and table.loc["刁镇", "kind"] == "镇"
    assert json.loads(table.loc["明水街道", "boundary"]) == SQUARE
    assert sorted(table["street_id"]) == [1, 2, 3]
    assert table.loc["刁镇", "code"].startswith("street-")  # no code given: one is made up
    batch = ingest.batches(engine).iloc[0]
    assert batch["profile"] == "reference:streets" and batch["rows_read"] == 9 and batch["quarantined"] == 6
    assert batch["mapping"]["boundary"] == "边界（GeoJSON）"
    with engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log.c.action, audit_log.c.detail)).all()[-1]
    assert entry[0] == "import_reference" and json.loads(entry[1])["kind"] == "streets"


def test_second_import_is_unchanged_and_blank_cells_keep_values(store_url, tmp_path):
    engine = store.connect(store_url)
    path = write(tmp_path / "s.csv", STREET_HEADER, street_rows()[:3])
    ingest.import_reference(engine, "streets", path)
    again = ingest.import_reference(engine, "streets", path)
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 0)
    # a file with one column to update: the households change, every other value stays
    update = write(tmp_path / "u.csv", ["Street name", "Households"], [["明水街道", "39000"], ["刁镇", ""]])
    rep = ingest.import_reference(engine, "streets", update)
    assert (rep.inserted, rep.updated, rep.unchanged) == (0, 1, 1)
    table = store.street_table(engine).set_index("name")
    assert table.loc["明水街道", "households"] == 39000 and table.loc["明水街道", "name_en"] == "Mingshui"
    assert table.loc["刁镇", "households"] == 12000


def load_places(engine, tmp_path):
    ingest.import_reference(engine, "streets", write(tmp_path / "s.csv", STREET_HEADER, street_rows()[:3]))
    grid_rows = [
        ["MS-01", "明水街道", "一网格", "东城社区", "420"],
        ["MS-02", "mingshui", "二网格", "东城社区", "380"],       # the street by its code
        ["DZ-01", "刁镇", "", "", ""],
        ["XX-01", "不存在街道", "", "", ""],                      # unknown street
        ["", "明水街道", "", "", ""],                             # missing id
        ["MS-03", "", "", "", ""],                               # missing street
        ["MS-01", "明水街道", "again", "", ""],                    # duplicate id
    ]
    return ingest.import_reference(engine, "grids", write(tmp_path / "g.csv",
                                                          ["Grid ID", "street", "Grid name", "社区", "户数"], grid_rows))


def test_grids_need_a_known_street(store_url, tmp_path):
    engine = store.connect(store_url)
    rep = load_places(engine, tmp_path)
    assert (rep.rows_read, rep.inserted, rep.quarantined) == (7, 3, 4) and rep.balanced
    assert reasons_by_row(engine, rep.batch_id) == {5: "unknown_street", 6: "missing:grid_id",
                                                    7: "missing:street", 8: "duplicate_id_in_file"}
    assert dict(table_rows(engine, grids)[i][:2] for i in range(3)) == {"DZ-01": "2", "MS-01": "1", "MS-02": "1"}


ROSTER_HEADER = ["人员编号", "姓名", "岗位", "所属镇街", "所属网格", "调解层级", "到岗日期", "离岗日期"]


def test_roster_roles_tiers_dates_and_places(store_url, tmp_path):
    engine = store.connect(store_url)
    load_places(engine, tmp_path)
    rows = [
        ["S1", "张伟", "网格员", "明水街道", "MS-01", "", "2023-01-01", ""],
        ["S2", "李娜", "Mediator", "刁镇", "", "社区和事佬", "2023/3/1", "2023-12-31"],
        ["S3", "王芳", "话务员", "", "", "", "", ""],
        ["S4", "赵磊", "grid_worker", "", "MS-02", "", "", ""],        # the grid's street fills the blank
        ["S5", "孙强", "厨师", "", "", "", "", ""],                    # unknown role
        ["S6", "周杰", "网格员", "", "ZZ-99", "", "", ""],             # unknown grid
        ["S7", "吴敏", "网格员", "刁镇", "MS-01", "", "", ""],          # grid of another street
        ["S8", "郑洁", "调解员", "", "", "宇宙级", "", ""],             # unknown tier
        ["S9", "冯刚", "网格员", "", "", "", "去年", ""],               # bad date
        ["S10", "陈静", "网格员", "", "", "", "2023-05-01", "2023-04-01"],  # leaves before arriving
        ["S11", "", "", "火星街道", "", "", "", ""],                   # no role, unknown street
    ]
    rep = ingest.import_reference(engine, "roster", write(tmp_path / "r.csv", ROSTER_HEADER, rows))
    assert (rep.rows_read, rep.inserted, rep.quarantined) == (11, 4, 7) and rep.balanced
    assert reasons_by_row(engine, rep.batch_id) == {
        6: "bad_value:role", 7: "unknown_grid", 8: "grid_not_in_street", 9: "bad_value:tier",
        10: "bad_date:active_from", 11: "active_to_before_from", 12: "missing:role;unknown_street"}
    with engine.connect() as conn:
        got = {r.staff_id: r for r in conn.execute(sa.select(staff)).all()}
    assert got["S1"].role == "grid_worker" and got["S1"].street_id == 1
    assert got["S2"].role == "mediator" and got["S2"].tier == "community"
    assert str(got["S2"].active_from) == "2023-03-01" and str(got["S2"].active_to) == "2023-12-31"
    assert got["S3"].role == "acceptor" and got["S3"].street_id is None
    assert got["S4"].street_id == 1
    again = ingest.import_reference(engine, "roster", write(tmp_path / "r.csv", ROSTER_HEADER, rows))
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 4, 7)


def test_categories_from_a_file(store_url, tmp_path):
    engine = store.connect(store_url)
    header = ["一级分类", "二级分类", "三级分类", "英文名称", "处置方式"]
    rows = [
        ["城乡建设", "", "", "Urban and rural construction", ""],
        ["城乡建设", "物业管理", "供暖", "", "一般"],
        ["社会治安", "", "", "Public order", "矛盾纠纷/调解"],
        ["社会治安", "邻里纠纷", "", "", "dispute"],
        ["重点巡查", "", "", "", "重点巡查"],
        ["城乡建设", "", "", "Construction", ""],           # the same path again
        ["劳动保障", "", "欠薪", "", ""],                    # level 3 without level 2
        ["教育", "", "", "", "随便"],                       # unknown handling
        ["", "小类", "", "", ""],                           # no level 1
    ]
    rep = ingest.import_reference(engine, "categories", write(tmp_path / "c.csv", header, rows))
    assert (rep.rows_read, rep.inserted, rep.quarantined) == (9, 5, 4) and rep.balanced
    assert reasons_by_row(engine, rep.batch_id) == {7: "duplicate_id_in_file", 8: "level3_without_level2",
                                                    9: "bad_value:handling", 10: "missing:level1"}
    table = category_table(engine).set_index(["level1", "level2", "level3"])
    assert table.loc[("社会治安", "", ""), "handling"] == "dispute"
    assert table.loc[("社会治安", "邻里纠纷", ""), "handling"] == "dispute"
    assert table.loc[("重点巡查", "", ""), "handling"] == "key_patrol"
    assert table.loc[("城乡建设", "物业管理", "供暖"), "origin"] == "file"
    assert ("城乡建设", "物业管理", "") in table.index  # the parent of a deeper path is registered
    # blank cells keep what is stored; a changed English name is an update
    rows2 = [["社会治安", "", "", "", ""], ["城乡建设", "", "", "Construction", ""]]
    rep2 = ingest.import_reference(engine, "categories", write(tmp_path / "c2.csv", header, rows2))
    assert (rep2.updated, rep2.unchanged) == (1, 1)
    table = category_table(engine).set_index(["level1", "level2", "level3"])
    assert table.loc[("社会治安", "", ""), "handling"] == "dispute"
    assert table.loc[("城乡建设", "", ""), "name_en"] == "Construction"


def test_a_failed_import_leaves_the_store_as_it_was(store_url, tmp_path):
    engine = store.connect(store_url)
    load_places(engine, tmp_path)
    before = snapshot(engine)

    def fail_late(fraction, message):
        if fraction >= 0.95:
            raise OSError("disk full (simulated)")

    path = write(tmp_path / "s2.csv", STREET_HEADER, [["新街道", "new", "", "", "10", ""], ["", "x", "", "", "", ""],
                                                     ["明水街道", "", "", "", "1", ""]])
    with pytest.raises(OSError, match="disk full"):
        ingest.import_reference(engine, "streets", path, progress=fail_late)
    assert snapshot(engine) == before


def test_files_that_cannot_be_imported_say_why(sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    path = write(tmp_path / "x.csv", ["名称", "备注"], [["a", "b"]])
    with pytest.raises(ingest.ReferenceFileError) as err:
        ingest.import_reference(engine, "grids", path)
    assert err.value.code == "missing_columns" and "网格编号" in err.value.params["fields_zh"]
    assert "Grid id" in err.value.params["fields_en"] and "Grid id" in str(err.value)
    with pytest.raises(ingest.ReferenceFileError) as err:
        ingest.import_reference(engine, "people", path)
    assert err.value.code == "unknown_kind"
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(ingest.NotATableError):
        ingest.import_reference(engine, "streets", image)
    with acting_as(User("reader", "viewer")), pytest.raises(AccessDenied):
        ingest.import_reference(engine, "streets", write(tmp_path / "s.csv", STREET_HEADER, street_rows()[:1]))
    assert ingest.batches(engine).empty


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_import_their_example_row(store_url, tmp_path, lang, fmt):
    engine = store.connect(store_url)
    for kind in ("streets", "grids", "roster", "categories"):
        data = ingest.template(kind, lang, fmt)
        path = tmp_path / ingest.template_name(kind, lang, fmt)
        path.write_bytes(data)
        rep = ingest.import_reference(engine, kind, path)
        assert (rep.rows_read, rep.inserted, rep.quarantined) == (1, 1, 0), (kind, rep.reasons)
        headers = ingest.open_table(path).headers
        wanted = [f.zh if lang == "zh" else f.en for f in ingest.refspec.FIELDS[kind]]
        assert list(headers) == wanted
    assert (lang == "zh") == ("明水街道" in store.street_table(engine)["name"].tolist())
    with pytest.raises(ValueError):
        ingest.template("streets", lang, "pdf")


def test_streets_named_by_tickets_but_missing_from_the_streets_table(store_url, tmp_path):
    engine = store.connect(store_url)
    assert ingest.unknown_streets(engine).empty
    tickets = make_tickets([{"created_at": "2023-02-10 08:00", "street": "明水街道"},
                            {"created_at": "2023-02-11 08:00", "street": "新城街道"},
                            {"created_at": "2023-02-13 08:00", "street": "新城街道"},
                            {"created_at": "2023-02-13 09:00", "street": "老城街道"},
                            {"created_at": "2023-02-13 10:00", "street": None}])
    with engine.begin() as conn:
        store.write_tickets(conn, tickets)
    ingest.import_reference(engine, "streets", write(tmp_path / "s.csv", STREET_HEADER, street_rows()[:1]))
    missing = ingest.unknown_streets(engine)
    assert missing["street"].tolist() == ["新城街道", "老城街道"] and missing["tickets"].tolist() == [2, 1]
    assert str(missing["first_day"].iloc[0]) == "2023-02-11" and str(missing["last_day"].iloc[0]) == "2023-02-13"


def test_a_first_roster_adopts_the_streets_the_tickets_name(store_url, tmp_path):
    """A centre loading its roster before any streets file: a street its tickets name is added to the streets
    table (and said in the report); a street nothing names is still quarantined."""
    engine = store.connect(store_url)
    with engine.begin() as conn:
        store.write_tickets(conn, make_tickets([{"created_at": "2023-02-10 08:00", "street": "新城街道"}]))
    rows = [["P1", "甲", "网格员", "新城街道", "", "", "2023-01-01", ""],
            ["P2", "乙", "调解员", "新城街道", "", "社区和事佬", "2023-01-01", ""],
            ["P3", "丙", "网格员", "无名街道", "", "", "2023-01-01", ""]]
    preview = ingest.preview_reference(engine, "roster", write(tmp_path / "r.csv", ROSTER_HEADER, rows))
    assert preview.quarantined["row_number"].tolist() == [4]
    assert table_rows(engine, streets) == []  # the preview wrote nothing
    rep = ingest.import_reference(engine, "roster", tmp_path / "r.csv")
    assert (rep.inserted, rep.quarantined) == (2, 1) and rep.warnings == {"street_from_tickets": 1}
    assert reasons_by_row(engine, rep.batch_id) == {4: "unknown_street"}
    assert [r[2] for r in table_rows(engine, streets)] == ["新城街道"]
    assert ingest.unknown_streets(engine).empty


def test_category_edits_are_saved_as_the_users(store_url, tmp_path):
    engine = store.connect(store_url)
    header = ["Level 1", "English name", "Handling"]
    ingest.import_reference(engine, "categories", write(tmp_path / "c.csv", header,
                                                        [["供暖", "Heating", ""], ["纠纷", "", ""]]))
    edited = category_table(engine)
    edited.loc[edited["level1"] == "纠纷", ["name_en", "handling"]] = ["Disputes", "dispute"]
    assert ingest.save_category_edits(engine, edited) == 1
    assert ingest.save_category_edits(engine, edited) == 0
    table = category_table(engine).set_index("level1")
    assert table.loc["纠纷", "handling"] == "dispute" and table.loc["纠纷", "origin"] == "user"
    assert table.loc["供暖", "origin"] == "file"
    with acting_as(User("reader", "viewer")), pytest.raises(AccessDenied):
        ingest.save_category_edits(engine, edited)


def test_command_line_templates_and_imports(sqlite_url, tmp_path):
    from typer.testing import CliRunner

    from civicdesk.cli import reference as cli_reference
    from civicdesk.cli import app

    assert cli_reference.KINDS == ingest.REFERENCE_KINDS
    runner = CliRunner()
    for kind in ("streets", "grids"):
        out = tmp_path / f"{kind}.xlsx"
        result = runner.invoke(app, ["template", kind, "--lang", "en", "--out", str(out)])
        assert result.exit_code == 0 and out.is_file(), result.output
        result = runner.invoke(app, ["import-reference", kind, str(out), "--db", sqlite_url])
        assert result.exit_code == 0, result.output
        assert f"profile reference:{kind}" in result.output
        lines = {line.split()[0]: line.split()[-1] for line in result.output.splitlines()
                 if line.startswith("  ") and len(line.split()) == 2}
        assert lines["rows_read"] == "1" and lines["inserted"] == "1"
    roster = write(tmp_path / "r.csv", ROSTER_HEADER, [["S1", "", "厨师", "", "", "", "", ""]])
    result = runner.invoke(app, ["import-reference", "roster", str(roster), "--db", sqlite_url])
    assert result.exit_code == 0 and "quarantined: unparseable value (role): 1" in result.output
    for args, words in ((["template", "streets", "--lang", "fr", "--out", str(tmp_path / "x.pdf")], "--lang must"),
                        (["import-reference", "people", str(roster)], "Unknown kind"),
                        (["import-reference", "grids", str(tmp_path / "missing.csv")], "No such file"),
                        (["import-reference", "grids", str(roster), "--db", sqlite_url], "no column for Grid id")):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and words in result.output, result.output
