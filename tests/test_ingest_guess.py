"""Headers no profile names: a mapping proposed from header synonyms and the columns' contents.

A Chinese complaints file (~1,200 rows) and an English 311-like file built here, the real TipDM and LA 311
exports with their headers renamed (skipped when ../shared/realdata is absent), files that must still be
refused, the CLI's printout and the Data view's warning.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from civicdesk import config, ingest, store
from civicdesk.cli import app
from civicdesk.i18n import t
from civicdesk.ingest.guess import header_key, header_words, propose
from civicdesk.store.schema import tickets

NOW = pd.Timestamp("2024-01-01")
DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
CLASSES = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"]
PLACES = ["小区门口", "学校附近", "菜市场旁", "公交站台", "老旧楼栋", "工地周边", "河堤路段", "社区广场"]
PROBLEMS = ["道路破损，雨天积水，出行不便", "夜间施工噪音扰民，影响休息", "垃圾清运不及时，气味难闻",
            "路灯损坏多日无人维修", "占道经营堵塞交通", "排水管道堵塞污水外溢", "违规停车阻挡消防通道"]
CN_MAPPING = {"source_id": "反映编号", "created_at": "反映时间", "street": "所在区域", "category": "反映类型",
              "description": "反映内容", "closed_at": "处理完成时间"}
SMARTGOV = config.REALDATA_DIR / "cn_taidi2020_smartgov"
LA311 = config.REALDATA_DIR / "us_la311_2017_subset" / "MyLA311_Service_Request_Data_2017_Subset.csv"
needs_realdata = pytest.mark.skipif(not config.REALDATA_DIR.is_dir(),
                                    reason=f"real data folder {config.REALDATA_DIR} is absent")
runner = CliRunner()


def chinese_frame(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """A complaints export with ordinary headers that no shipped profile names; one ticket in ten still open."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2023-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")
    closed = created + pd.to_timedelta(rng.integers(3600, 12 * 86400, n), unit="s")
    text = [f"市民反映{PLACES[rng.integers(8)]}{PROBLEMS[rng.integers(7)]}，第{i}次来电，希望相关部门尽快处理。"
            for i in range(n)]
    return pd.DataFrame({
        "反映编号": [f"FY2023{i:06d}" for i in range(n)],
        "反映时间": created.strftime("%Y-%m-%d %H:%M:%S"),
        "所在区域": rng.choice(DISTRICTS, n),
        "反映类型": rng.choice(CLASSES, n),
        "反映内容": text,
        "处理完成时间": np.where(rng.random(n) < 0.1, "", closed.strftime("%Y/%m/%d %H:%M")),
    })


def write(frame: pd.DataFrame, path):
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8")
    return path


def stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.select(tickets)).mappings().all())


def test_header_keys_ignore_case_space_and_punctuation():
    assert header_key(" Created  Date ") == header_key("created_date") == header_key("CREATED-DATE") == "createddate"
    assert header_key("反映时间：") == header_key("反映 时间") == "反映时间"
    assert header_words("SRNumber") == {"sr", "number"} and header_words("Date/Time Opened") >= {"opened"}


@pytest.mark.parametrize("headers, expected", [
    (["诉求发生时间", "所属街镇", "诉求人"], {"created_at": "诉求发生时间", "street": "所属街镇",
                                         "caller_name": "诉求人"}),
    (["事发时间", "投诉时间", "所在区域"], {"created_at": "投诉时间", "street": "所在区域"}),
    (["来电人电话", "来电人", "答复意见", "办结时限"], {"caller_phone": "来电人电话", "caller_name": "来电人",
                                                "deadline_at": "办结时限"}),
    (["Service Request No", "Date Opened", "Closed Date", "Complaint Type", "Neighborhood", "Priority"],
     {"source_id": "Service Request No", "created_at": "Date Opened", "closed_at": "Closed Date",
      "category": "Complaint Type", "street": "Neighborhood", "urgency": "Priority"}),
    (["Resolution Description", "Updated Date", "Address", "Details"], {"description": "Details"}),
])
def test_synonyms_by_containment_and_words(headers, expected):
    assert propose(headers).mapping == expected


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_chinese_file_with_unseen_headers_is_imported(suffix, store_url, tmp_path):
    frame = chinese_frame()
    path = write(frame, tmp_path / f"市民投诉{suffix}")
    engine = store.connect(store_url)
    pv = ingest.preview(path)
    assert pv.proposed and pv.profile.name == "proposed" and pv.mapping == CN_MAPPING
    rep = ingest.import_file(engine, path, now=NOW)
    assert rep.proposed and rep.profile == "proposed" and rep.source == "import"
    assert rep.mapping == CN_MAPPING and set(rep.basis.values()) == {"synonym"}
    assert rep.rows_read == rep.inserted == 1200 and rep.quarantined == 0
    got = stored(engine).set_index("source_id").loc[frame["反映编号"]]
    assert set(got["street"]) == set(DISTRICTS) and set(got["category"]) == set(CLASSES)
    assert (got["created_at"].to_numpy() == pd.to_datetime(frame["反映时间"]).to_numpy()).all()
    open_ = frame["处理完成时间"].eq("").to_numpy()
    assert got["closed_at"].isna().to_numpy().tolist() == open_.tolist()
    assert (got["description"].to_numpy() == frame["反映内容"].to_numpy()).all()
    again = ingest.import_file(engine, path, now=NOW)  # same source and ids: nothing new
    assert again.proposed and again.unchanged == 1200 and again.inserted == 0


def test_opaque_headers_are_mapped_by_content(sqlite_url, tmp_path):
    frame = chinese_frame(seed=1)
    frame.columns = [f"字段{i}" for i in range(1, 7)]
    path = write(frame, tmp_path / "export.csv")
    rep = ingest.import_file(store.connect(sqlite_url), path, now=NOW)
    assert rep.proposed and rep.mapping == {"source_id": "字段1", "created_at": "字段2", "street": "字段3",
                                            "category": "字段4", "description": "字段5"}
    assert set(rep.basis.values()) == {"content"} and rep.inserted == 1200
    # the finishing time has no header to say what it is: left for the user, not guessed
    assert "closed_at" not in rep.mapping


def test_earliest_date_column_is_the_creation_time(tmp_path):
    frame = chinese_frame(n=300, seed=2)
    frame = frame[["反映编号", "处理完成时间", "反映时间"]].set_axis(["a", "b", "c"], axis=1)
    frame["b"] = frame["b"].replace("", "2023/06/30 12:00")
    sample = frame.astype(object)
    assert propose(list(frame.columns), sample).mapping == {"source_id": "a", "created_at": "c"}


def test_english_311_file_with_unusual_headers(store_url, tmp_path):
    rng = np.random.default_rng(3)
    n = 800
    created = pd.Timestamp("2023-05-01") + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")
    resolved = created + pd.to_timedelta(rng.integers(600, 20 * 86400, n), unit="s")
    frame = pd.DataFrame({
        "Case Reference": [f"311-{100000 + i}" for i in range(n)],
        "Opened On": created.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Resolved On": resolved.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Issue Type": rng.choice(["Pothole", "Graffiti", "Missed Collection", "Noise", "Streetlight Out"], n),
        "Ward": rng.choice([f"Ward {k}" for k in range(1, 9)], n),
        "How Reported": rng.choice(["Call", "Mobile App", "Email", "Walk-in"], n),
        "Case Status": "Closed",
        "Details": [f"Resident reports a problem near house number {i} on the main road, please send a crew"
                    for i in range(n)],
    })
    path = write(frame, tmp_path / "cases.csv")
    rep = ingest.import_file(store.connect(store_url), path, now=NOW)
    assert rep.proposed and rep.inserted == n and rep.quarantined == 0
    assert rep.mapping == {"source_id": "Case Reference", "created_at": "Opened On", "closed_at": "Resolved On",
                           "category": "Issue Type", "street": "Ward", "channel": "How Reported",
                           "status": "Case Status", "description": "Details"}
    assert rep.basis["channel"] == "content" and rep.basis["created_at"] == "synonym"
    got = stored(store.connect(store_url))
    assert set(got["channel"]) == {"hotline", "app", "visit"} and set(got["status"]) == {"closed"}
    assert not rep.warnings.get("unknown_channel")


def test_file_without_a_date_column_is_refused(sqlite_url, tmp_path):
    frame = pd.DataFrame({"编号": ["A1", "A2", "A3"], "类型": ["x", "y", "x"], "内容": ["今天", "昨天", "下午三点"]})
    path = write(frame, tmp_path / "no-dates.csv")
    engine = store.connect(sqlite_url)
    with pytest.raises(ingest.ProfileError, match="none of them holds dates in at least 95% of its rows"):
        ingest.import_file(engine, path, now=NOW)
    with pytest.raises(ingest.ProfileError, match="none of them holds dates"):
        ingest.preview(path)
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("FY1,2023-03-01 08:00:00,芙蓉区\nFY2,2023-03-02 09:00:00,天心区\n", encoding="utf-8")
    with pytest.raises(ingest.ProfileError, match="first row looks like data"):
        ingest.import_file(engine, headerless, now=NOW)
    assert stored(engine).empty


def test_overrides_on_a_proposal(sqlite_url, tmp_path):
    path = write(chinese_frame(n=200), tmp_path / "x.csv")
    pv = ingest.preview(path, mapping={"street": None, "title": "反映类型"})
    assert pv.proposed and "street" not in pv.mapping and pv.basis["title"] == "user"
    pv = ingest.preview(path, profile="proposed", mapping={"category": None})  # as the Data view asks again
    assert pv.proposed and "category" not in pv.mapping and pv.mapping["street"] == "所在区域"


# ---------------------------------------------------------------- real exports, headers renamed

def renamed_copy(path, folder, names: dict[str, str] | None = None, rows: int | None = None):
    """The file's rows as civicdesk reads them, with headers renamed (`names`, or 列1, 列2, …), as a CSV."""
    table = ingest.open_table(path)
    frame = pd.concat(list(table.chunks()), ignore_index=True).drop(columns=["_sheet", "_row"])
    frame = frame.head(rows) if rows else frame
    frame.columns = [(names or {}).get(h, f"列{i + 1}") if names is not None else f"列{i + 1}"
                     for i, h in enumerate(frame.columns)]
    out = folder / f"renamed-{path.stem}.csv"
    frame.to_csv(out, index=False, encoding="utf-8")
    return out, list(table.headers)


@needs_realdata
@pytest.mark.parametrize("name", ["fj2_sample_labeled_495.xlsx", "fj4_messages_with_replies_2816.xlsx"])
def test_tipdm_with_opaque_headers(name, sqlite_url, tmp_path):
    path, original = renamed_copy(SMARTGOV / name, tmp_path)
    rep = ingest.import_file(store.connect(sqlite_url), path)
    column = {h: f"列{i + 1}" for i, h in enumerate(original)}
    assert rep.proposed and rep.balanced
    assert {f: rep.mapping.get(f) for f in ("source_id", "created_at", "description")} == {
        "source_id": column["留言编号"], "created_at": column["留言时间"], "description": column["留言详情"]}
    if "一级分类" in column:  # the labelled sample keeps its seven classes
        assert rep.mapping["category"] == column["一级分类"]
        got = stored(store.connect(sqlite_url))
        assert set(got["category"]) == {"城乡建设", "交通运输", "环境保护", "教育文体", "劳动和社会保障", "商贸旅游",
                                        "卫生计生"}


@needs_realdata
def test_tipdm_with_other_platform_headers(sqlite_url, tmp_path):
    names = {"留言编号": "信件序号", "留言用户": "来信人", "留言主题": "来信标题", "留言时间": "来信时间",
             "留言详情": "来信内容", "答复意见": "回复内容", "答复时间": "回复时间"}
    path, _ = renamed_copy(SMARTGOV / "fj4_messages_with_replies_2816.xlsx", tmp_path, names)
    rep = ingest.import_file(store.connect(sqlite_url), path)
    assert rep.proposed and rep.balanced and rep.rows_read == 2816
    assert rep.mapping == {"caller_name": "来信人", "title": "来信标题", "created_at": "来信时间",
                           "description": "来信内容", "closed_at": "回复时间", "source_id": "信件序号"}
    assert rep.basis["source_id"] == "content" and rep.basis["closed_at"] == "synonym"


@needs_realdata
def test_la311_with_renamed_headers(sqlite_url, tmp_path):
    names = {"SRNumber": "Service Request No", "CreatedDate": "Date Opened", "ClosedDate": "Date Closed",
             "RequestType": "Problem Type", "RequestSource": "Method Received", "Status": "Case Status",
             "NCName": "Neighborhood Council Name", "Owner": "Responsible Agency"}
    path, _ = renamed_copy(LA311, tmp_path, {h: names.get(h, f"Field {i}") for i, h in
                                              enumerate(pd.read_csv(LA311, nrows=0).columns)})
    engine = store.connect(sqlite_url)
    rep = ingest.import_file(engine, path)
    assert rep.proposed and rep.balanced and rep.rows_read == 9999
    for field, header in {"source_id": "Service Request No", "created_at": "Date Opened",
                          "closed_at": "Date Closed", "category": "Problem Type", "channel": "Method Received",
                          "status": "Case Status", "street": "Neighborhood Council Name",
                          "department": "Responsible Agency"}.items():
        assert rep.mapping[field] == header, (field, rep.mapping)
    assert rep.reasons.get("closed_before_created") == 12  # the export's real dirty rows, reported
    got = stored(engine)
    assert {"Bulky Items", "Graffiti Removal"} <= set(got["category"]) and "hotline" in set(got["channel"])


@needs_realdata
def test_la311_with_opaque_headers(sqlite_url, tmp_path):
    path, original = renamed_copy(LA311, tmp_path, rows=3000)
    rep = ingest.import_file(store.connect(sqlite_url), path)
    column = {h: f"列{i + 1}" for i, h in enumerate(original)}
    assert rep.proposed and rep.balanced
    assert rep.mapping["source_id"] == column["SRNumber"] and rep.mapping["created_at"] == column["CreatedDate"]
    assert rep.mapping["status"] == column["Status"] and rep.mapping["channel"] == column["RequestSource"]


# ---------------------------------------------------------------- the CLI and the Data view

def test_cli_prints_the_proposal_and_takes_overrides(sqlite_url, tmp_path):
    path = write(chinese_frame(n=300), tmp_path / "市民投诉.csv")
    result = runner.invoke(app, ["import", str(path), "--dry-run", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "proposed this mapping" in result.output and "created_at         ← 反映时间  (from the header)" in result.output
    assert "Warning: check this mapping" in result.output and "--map FIELD=COLUMN" in result.output
    assert "none yet" in runner.invoke(app, ["info", "--db", sqlite_url]).output
    result = runner.invoke(app, ["import", str(path), "--db", sqlite_url, "--map", "street=", "--map",
                                 "title=反映类型"])
    assert result.exit_code == 0, result.output
    assert "profile proposed" in result.output and "The tickets were imported with it" in result.output
    assert "title              ← 反映类型  (set by --map)" in result.output and "← 所在区域" not in result.output
    assert stored(store.connect(sqlite_url))["street"].isna().all()
    result = runner.invoke(app, ["import", str(path), "--db", sqlite_url, "--map", "place=所在区域"])
    assert result.exit_code == 1 and "--map takes FIELD=COLUMN" in result.output
    no_dates = write(pd.DataFrame({"编号": ["A1"], "内容": ["x"]}), tmp_path / "bad.csv")
    result = runner.invoke(app, ["import", str(no_dates), "--db", sqlite_url])
    assert result.exit_code == 1 and "none of them holds dates" in result.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_view_warns_about_a_proposed_mapping(lang, monkeypatch, sqlite_url, tmp_path):
    from tests.test_app_data import open_data_view

    frame = chinese_frame(n=200)
    frame.columns = ["反映编号", "反映时间", "字段3", "反映类型", "反映内容", "处理完成时间"]
    path = write(frame, tmp_path / "市民投诉.csv")
    at = open_data_view(monkeypatch, sqlite_url, lang=None if lang == "zh" else lang)
    at.text_input(key="server_path").set_value(str(path)).run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if w.value.startswith(t("guess_proposed", lang)))
    assert ("镇街" if lang == "zh" else "Street") in warning  # the field found from the contents is named
    if lang == "zh":
        assert not re.search(r"[A-Za-z]+(?:\s+[A-Za-z]+){2,}", warning)
    else:
        assert not re.search(r"[\u4e00-\u9fff]", warning)
    at.button(key="start_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(stored(store.connect(sqlite_url))) == 200


def test_refusals_can_be_said_in_the_users_language(tmp_path):
    from civicdesk.ingest.guess import ProposalError

    no_dates = write(pd.DataFrame({"编号": ["A1"], "内容": ["x"]}), tmp_path / "bad.csv")
    with pytest.raises(ProposalError) as caught:
        ingest.preview(no_dates)
    zh = t(caught.value.key, "zh").format(**caught.value.params)
    en = t(caught.value.key, "en").format(**caught.value.params)
    assert "受理时间" in zh and "95%" in zh and "编号, 内容" in zh
    assert en.startswith("No mapping profile recognises these columns (编号, 内容)")
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("FY1,2023-03-01 08:00:00\nFY2,2023-03-02 09:00:00\n", encoding="utf-8")
    with pytest.raises(ProposalError) as caught:
        ingest.preview(headerless)
    assert "“2023-03-01 08:00:00”是日期时间" in t(caught.value.key, "zh").format(**caught.value.params)
