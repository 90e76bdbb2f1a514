"""Tests for civicdesk.ingest.readers: CSV/XLSX/Open311 chunks of strings, row numbers, refused files."""
from __future__ import annotations

import csv
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from civicdesk import config
from civicdesk.ingest import readers
from civicdesk.ingest.readers import NotATableError, TableFile, open_table

HEADERS = ["工单编号", "受理时间", "诉求内容", "备注"]
ROWS = [
    ["00123", "2019/4/25 9:32:09", "路灯不亮，请尽快维修", "NA"],
    ["GD-2", "2023-02-10 08:05", "  噪音扰民  ", ""],
    ["GD-3", "12/31/2017 11:59:58 PM", "井盖缺失\n有安全隐患", "null"],
    ["GD-4", "", "占道经营", "N/A"],
    ["GD-5", "43580.3972", "\"引号\"与,逗号", " - "],
]
EXPECTED = [
    ["00123", "2019/4/25 9:32:09", "路灯不亮，请尽快维修", "NA"],
    ["GD-2", "2023-02-10 08:05", "噪音扰民", None],
    ["GD-3", "12/31/2017 11:59:58 PM", "井盖缺失\n有安全隐患", "null"],
    ["GD-4", None, "占道经营", "N/A"],
    ["GD-5", "43580.3972", "\"引号\"与,逗号", "-"],
]
EXPECTED_LINES = [2, 3, 4, 6, 7]  # GD-3's description spans two lines


def write_csv(path: Path, rows, headers=HEADERS, encoding="utf-8", delimiter=",", newline="\n") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=newline)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def read_all(table: TableFile, chunk_rows: int = 100_000) -> pd.DataFrame:
    chunks = list(table.chunks(chunk_rows=chunk_rows))
    assert all(0 < len(c) <= chunk_rows for c in chunks)
    for chunk in chunks:
        assert list(chunk.columns) == [*table.headers, "_sheet", "_row"]
        for header in table.headers:
            assert chunk[header].dtype == object
            assert all(v is None or (isinstance(v, str) and v == v.strip() and v) for v in chunk[header])
        assert chunk["_row"].dtype == "int64"
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_encodings_give_identical_chunks(tmp_path, encoding, detected):
    table = open_table(write_csv(tmp_path / "工单.csv", ROWS, encoding=encoding))
    assert (table.format, table.encoding, table.headers, table.sheets) == ("csv", detected, tuple(HEADERS), ())
    frame = read_all(table)
    assert frame[HEADERS].values.tolist() == EXPECTED
    assert frame["_row"].tolist() == EXPECTED_LINES
    assert set(frame["_sheet"]) == {""}


@pytest.mark.parametrize(("delimiter", "newline"), [("\t", "\n"), (";", "\r\n"), ("|", "\n"), (",", "\r\n")])
def test_csv_delimiters_and_line_endings(tmp_path, delimiter, newline):
    table = open_table(write_csv(tmp_path / "t.txt", ROWS, delimiter=delimiter, newline=newline))
    assert table.headers == tuple(HEADERS)
    frame = read_all(table, chunk_rows=2)
    assert frame[HEADERS].values.tolist() == EXPECTED
    assert frame["_row"].tolist() == EXPECTED_LINES


def test_csv_values_are_kept_verbatim(tmp_path):
    rows = [["00123", "NA", "NaN", "null"], ["1.50", "1e5", "TRUE", "#N/A"]]
    frame = read_all(open_table(write_csv(tmp_path / "v.csv", rows)))
    assert frame[HEADERS].values.tolist() == rows


def test_csv_row_numbers_across_chunks_blank_lines_and_multiline_fields(tmp_path):
    text = ("\n"                 # 1  blank line before the header
            "工单编号,诉求内容\n"   # 2  header
            "A1,x\n"              # 3
            "\n"                  # 4  blank
            "A2,\"多\n行\n内容\"\n"  # 5-7
            ",\n"                 # 8  empty row
            "  ,  \n"             # 9  blank cells
            "A3,y\n"              # 10
            "A4,z\n"              # 11
            "A5,w")               # 12 no final line break
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8")
    table = open_table(path)
    assert table.headers == ("工单编号", "诉求内容")
    for chunk_rows in (1, 2, 3, 100):
        frame = read_all(table, chunk_rows=chunk_rows)
        assert frame["工单编号"].tolist() == ["A1", "A2", "A3", "A4", "A5"]
        assert frame["_row"].tolist() == [3, 5, 10, 11, 12]
    assert frame["诉求内容"].tolist()[1] == "多\n行\n内容"


def test_csv_headers_are_stripped_and_made_unique(tmp_path):
    headers = [" 工单编号 ", "备注", "备注", "", "_row"]
    path = write_csv(tmp_path / "d.csv", [["1", "a", "b", "c", "d"]], headers=headers)
    table = open_table(path)
    assert table.headers == ("工单编号", "备注", "备注.1", "Unnamed: 3", "_row.1")
    frame = read_all(table)
    assert frame.loc[0, "备注.1"] == "b" and frame.loc[0, "_row"] == 2


def test_csv_header_only_yields_nothing(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("工单编号,受理时间", encoding="utf-8")
    table = open_table(path)
    assert table.headers == ("工单编号", "受理时间")
    assert list(table.chunks()) == []


def test_csv_short_rows_are_padded_and_long_rows_refused(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2\n3,4,5\n", encoding="utf-8")
    assert read_all(open_table(path))[["a", "b", "c"]].values.tolist() == [["1", "2", None], ["3", "4", "5"]]
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(NotATableError, match="line 3 has 3 fields"):
        read_all(open_table(path))


def test_csv_cut_multibyte_char_at_sample_end(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 64)
    rows = [["甲乙丙丁戊己庚辛壬癸" * 3, str(i), "x", "y"] for i in range(20)]
    for encoding, detected in (("utf-8", "utf-8"), ("gbk", "gb18030")):
        for cut in range(4):  # shift the text so the sample ends inside a character at least once
            path = write_csv(tmp_path / f"cut{cut}.csv", rows, headers=["a" * (cut + 1), "b", "c", "d"],
                             encoding=encoding)
            table = open_table(path)
            assert table.encoding == detected
            assert len(read_all(table)) == 20


# ---------------------------------------------------------------- XLSX


def _styled_workbook(path: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Border, PatternFill, Side

    wb = openpyxl.Workbook()
    jan = wb.active
    jan.title = "一月"
    jan.append(["工单编号", "受理时间", "诉求内容", "数量"])
    jan.append(["GD-1", datetime(2023, 1, 5, 8, 30), "  路灯不亮 ", 3])
    jan.append(["00123", datetime(2023, 1, 6, 9, 0, 1), None, 2.0])
    jan.append([None, None, None, None])
    jan.append([1.5, True, 0.1 + 0.2, 1234567890123.0])
    fill, side = PatternFill("solid", fgColor="FFFF00"), Side(style="thin")
    for r in range(6, 5001):
        for c in range(1, 5):
            cell = jan.cell(row=r, column=c)
            cell.fill, cell.border = fill, Border(left=side, bottom=side)
    jan.cell(row=4000, column=1, value="GD-4000")
    notes = wb.create_sheet("说明")
    notes["A1"] = "本文件由工单系统导出"
    notes["A2"] = "受理时间为北京时间"
    wb.create_sheet("空表")
    feb = wb.create_sheet("二月")
    feb["A1"] = "2023年2月工单明细"  # a title row above the header
    feb.append(["受理时间", "工单编号", "数量", "诉求内容"])  # same columns, other order
    feb.append(["2023/2/1 8:00:00", "GD-9", 7, "噪音扰民"])
    other = wb.create_sheet("统计")
    other.append(["街道", "数量"])
    other.append(["明水街道", 3])
    wb.save(path)
    return path


def test_xlsx_reads_data_sheets_and_skips_styled_empty_rows(tmp_path):
    table = open_table(_styled_workbook(tmp_path / "工单.xlsx"))
    assert (table.format, table.encoding) == ("xlsx", None)
    assert table.headers == ("工单编号", "受理时间", "诉求内容", "数量")
    assert table.sheets == ("一月", "二月")
    frame = read_all(table, chunk_rows=2)
    assert frame[["_sheet", "_row"]].values.tolist() == [["一月", 2], ["一月", 3], ["一月", 5], ["一月", 4000],
                                                         ["二月", 3]]
    assert frame[list(table.headers)].values.tolist() == [
        ["GD-1", "2023-01-05 08:30:00", "路灯不亮", "3"],
        ["00123", "2023-01-06 09:00:01", None, "2"],
        ["1.5", "true", "0.3", "1234567890123"],
        ["GD-4000", None, None, None],
        ["GD-9", "2023/2/1 8:00:00", "噪音扰民", "7"],
    ]


def test_xlsx_cell_text():
    text = readers._text
    assert text(datetime(2023, 1, 5, 8, 30)) == "2023-01-05 08:30:00"
    assert text(datetime(2023, 1, 5, 8, 30, 0, 250000)) == "2023-01-05 08:30:00.250000"
    assert text(datetime(2023, 1, 5).date()) == "2023-01-05"
    assert [text(v) for v in (123.0, 0.5, 1e-7, -2.0, 7, False, "  ", "\u3000x\u3000")] == \
        ["123", "0.5", "1e-07", "-2", "7", "false", None, "x"]
    assert text({"a": [1, "二"]}) == '{"a": [1, "二"]}'


def test_xlsx_duplicate_headers_and_no_table(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["备注", "备注", None, "编号", None, None])
    wb.active.append(["a", "b", "c", "d"])
    wb.save(tmp_path / "dup.xlsx")
    table = open_table(tmp_path / "dup.xlsx")
    assert table.headers == ("备注", "备注.1", "Unnamed: 2", "编号")
    assert read_all(table)[list(table.headers)].values.tolist() == [["a", "b", "c", "d"]]
    wb = openpyxl.Workbook()
    wb.active["A1"] = "只有一列"
    wb.save(tmp_path / "one.xlsx")
    with pytest.raises(NotATableError, match="no sheet with a header row"):
        open_table(tmp_path / "one.xlsx")


# ---------------------------------------------------------------- Open311

REQUESTS = [
    {"service_request_id": "638344", "status": "closed", "status_notes": "Duplicate request.",
     "service_name": "Sidewalk and Curb Issues", "service_code": "006", "description": None,
     "requested_datetime": "2010-04-14T06:37:38-08:00", "address": " 8TH AVE and JUDAH ST ",
     "lat": 37.762221815, "long": -122.4651145},
    {"service_request_id": "638349", "status": "open", "service_code": "011", "description": "",
     "requested_datetime": "2010-04-19T06:37:38-08:00", "lat": 37.8, "long": -122.0,
     "attributes": {"size": "large", "tags": ["a", "b"]}, "zipcode": 94122, "anonymous": False},
]


@pytest.mark.parametrize("wrap", [None, "service_requests", "requests"])
def test_open311_list_and_wrapped_forms(tmp_path, wrap):
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(REQUESTS if wrap is None else {"count": 2, wrap: REQUESTS}), encoding="utf-8")
    table = open_table(path)
    assert (table.format, table.encoding, table.sheets) == ("open311", None, ())
    assert table.headers == ("service_request_id", "status", "status_notes", "service_name", "service_code",
                             "description", "requested_datetime", "address", "lat", "long", "attributes",
                             "zipcode", "anonymous")
    frame = read_all(table, chunk_rows=1)
    assert frame["_row"].tolist() == [1, 2]
    assert frame["address"].tolist() == ["8TH AVE and JUDAH ST", None]
    assert frame["description"].tolist() == [None, None]
    assert frame["lat"].tolist() == ["37.762221815", "37.8"]
    assert frame["long"].tolist() == ["-122.4651145", "-122"]
    assert frame["zipcode"].tolist() == [None, "94122"]
    assert frame["anonymous"].tolist() == [None, "false"]
    assert json.loads(frame.loc[1, "attributes"]) == {"size": "large", "tags": ["a", "b"]}


def test_open311_detected_by_content(tmp_path):
    path = tmp_path / "export.dat"
    path.write_text("\n  " + json.dumps(REQUESTS), encoding="utf-8")
    assert open_table(path).format == "open311"


# ---------------------------------------------------------------- files that are not tables


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(300):  # 300 MB of zeros, about 300 KB on disk
                member.write(block)
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return path


NOT_TABLES = {
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "whitespace": (lambda p: p.write_bytes(b" \r\n\t\n  \n"), "is empty"),
    "bom only": (lambda p: p.write_bytes(b"\xef\xbb\xbf\n"), "is empty"),
    "png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100)), "PNG image"),
    "jpeg": (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100)), "JPEG image"),
    "pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "PDF document"),
    "gzip": (lambda p: p.write_bytes(b"\x1f\x8b\x08\x00" + bytes(20)), "gzip archive"),
    "xls": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)), r"\.xls"),
    "utf-16": (lambda p: p.write_bytes("工单编号\t受理时间\n".encode("utf-16")), "UTF-16"),
    "nul bytes": (lambda p: p.write_bytes(b"a,b\n1,\x002\n"), "binary file"),
    "zip of text": (lambda p: _zip(p, {"工单.csv": "a,b\n1,2\n".encode()}), "zip archive, not an Excel workbook"),
    "damaged zip": (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(50)), "damaged"),
    "zip bomb": (_bomb, "zip bomb"),
    "single column": (lambda p: p.write_text("工单编号\nA1\nA2\n", encoding="utf-8"), "only one column"),
    "one long line": (lambda p: p.write_bytes(b"a," * 600_000), "no line break"),
    "not utf-8 or gbk": (lambda p: p.write_bytes(b"a,b\n" + b"\x80\xff" * 50), "neither UTF-8 nor GBK"),
    "json number": (lambda p: p.with_suffix(".json").write_text("42"), "not a list of records"),
    "json of strings": (lambda p: p.with_suffix(".json").write_text('["a", "b"]'), "item 1"),
    "json object": (lambda p: p.with_suffix(".json").write_text('{"a": 1}'), "without a list"),
    "empty json list": (lambda p: p.with_suffix(".json").write_text("[]"), "empty list"),
    "bad json": (lambda p: p.with_suffix(".json").write_text('[{"a": 1},'), "not valid JSON"),
}


@pytest.mark.parametrize("case", list(NOT_TABLES))
def test_not_a_table(tmp_path, case):
    build, message = NOT_TABLES[case]
    path = tmp_path / "upload.csv"
    build(path)
    if not path.exists():
        path = path.with_suffix(".json")
    with pytest.raises(NotATableError, match=message) as err:
        open_table(path)
    message = str(err.value)
    assert path.name in message and "\n" not in message and message.endswith(".")


def test_zip_bomb_threshold_is_a_module_constant(tmp_path, monkeypatch):
    path = _zip(tmp_path / "b.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/s.xml": bytes(2 << 20)})
    monkeypatch.setattr(readers, "ZIP_RATIO_MIN_BYTES", 1 << 20)
    with pytest.raises(NotATableError, match="zip bomb"):
        open_table(path)
    monkeypatch.setattr(readers, "ZIP_RATIO_MIN_BYTES", 100 << 20)
    monkeypatch.setattr(readers, "MAX_UNZIPPED_BYTES", 1 << 20)
    with pytest.raises(NotATableError, match="zip bomb"):
        open_table(path)


def test_json_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(REQUESTS), encoding="utf-8")
    monkeypatch.setattr(readers, "MAX_JSON_BYTES", 100)
    with pytest.raises(NotATableError, match="too large"):
        open_table(path)


def test_sparse_2gb_file_is_refused(tmp_path):  # speed: benchmarks/bench_hot_paths.py
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)  # all NUL bytes, no disk used
    with pytest.raises(NotATableError, match="binary"):
        open_table(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        open_table("/nonexistent/工单.csv")


# ---------------------------------------------------------------- real exports (when available)

REAL = Path(config.REALDATA_DIR)
needs_realdata = pytest.mark.skipif(not REAL.is_dir(), reason=f"real data folder {REAL} not present")


def _count(table: TableFile) -> tuple[int, pd.DataFrame]:
    chunks = list(table.chunks())
    return sum(len(c) for c in chunks), chunks[0]


@needs_realdata
def test_real_styled_xlsx_495_rows():
    table = open_table(REAL / "cn_taidi2020_smartgov" / "fj2_sample_labeled_495.xlsx")
    rows, first = _count(table)
    assert rows == 495
    assert table.headers == ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类")
    assert first["_row"].iloc[0] == 2 and first["留言时间"].iloc[0] == "2020/1/6 12:09:38"


@needs_realdata
def test_real_xlsx_with_replies_2816_rows():
    table = open_table(REAL / "cn_taidi2020_smartgov" / "fj4_messages_with_replies_2816.xlsx")
    rows, first = _count(table)
    assert rows == 2816
    assert table.headers == ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间")


@needs_realdata
def test_real_la311_csv():
    paths = sorted((REAL / "us_la311_2017_subset").glob("*.csv"))
    assert paths
    table = open_table(paths[0])
    rows, first = _count(table)
    assert (table.encoding, len(table.headers), rows) == ("utf-8", 33, 9999)
    assert first.loc[0, "CreatedDate"] == "12/31/2017 11:59:58 PM"
    assert first["_row"].iloc[0] == 2
