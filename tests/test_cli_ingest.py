"""`civicdesk import`, `export` and `profiles` from the shell."""
from __future__ import annotations

from typer.testing import CliRunner

from civicdesk.cli import app
from tests.test_ingest_import import cn_rows, write_csv

runner = CliRunner()


def test_import_export_and_reimport(sqlite_url, tmp_path):
    path = write_csv(tmp_path / "工单.csv", cn_rows())
    result = runner.invoke(app, ["import", str(path), "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "profile cn12345" in result.output and "quarantined: closed before created: 1" in result.output
    lines = {line.split()[0]: line.split()[-1] for line in result.output.splitlines() if line.startswith("  ")
             and len(line.split()) == 2}
    assert lines["rows_read"] == "14" and lines["inserted"] == "8" and lines["quarantined"] == "6"
    out = tmp_path / "all.csv"
    result = runner.invoke(app, ["export", str(out), "--db", sqlite_url])
    assert result.exit_code == 0 and "Wrote 8 tickets" in result.output
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = runner.invoke(app, ["import", str(out), "--db", other])
    assert result.exit_code == 0 and "profile civicdesk" in result.output, result.output


def test_dry_run_writes_nothing(sqlite_url, tmp_path):
    path = write_csv(tmp_path / "工单.csv", cn_rows())
    result = runner.invoke(app, ["import", str(path), "--dry-run", "--db", sqlite_url])
    assert result.exit_code == 0 and "← 受理时间" in result.output
    result = runner.invoke(app, ["info", "--db", sqlite_url])
    assert "none yet" in result.output


def test_clear_errors(tmp_path, sqlite_url):
    result = runner.invoke(app, ["import", str(tmp_path / "missing.csv"), "--db", sqlite_url])
    assert result.exit_code == 1 and "No such file" in result.output
    (tmp_path / "empty.csv").write_bytes(b"")
    result = runner.invoke(app, ["import", str(tmp_path / "empty.csv"), "--db", sqlite_url])
    assert result.exit_code == 1 and "empty" in result.output
    result = runner.invoke(app, ["import", str(write_csv(tmp_path / "a.csv", cn_rows())), "--profile", "nope",
                                 "--db", sqlite_url])
    assert result.exit_code == 1 and "known profiles" in result.output
    result = runner.invoke(app, ["export", str(tmp_path / "x.parquet"), "--db", sqlite_url])
    assert result.exit_code == 1 and ".csv or .xlsx" in result.output


def test_profiles_lists_the_shipped_ones():
    result = runner.invoke(app, ["profiles"])
    for name in ("civicdesk", "cn12345", "smartgov", "open311", "la311"):
        assert name in result.output


def test_import_refuses_a_file_over_the_size_limit(tmp_path, sqlite_url, monkeypatch):
    small = write_csv(tmp_path / "工单.csv", cn_rows())
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.write(small.read_bytes())
        fh.truncate(3 * 2**20)  # 3 MB, mostly a sparse hole
    monkeypatch.setenv("CIVICDESK_MAX_IMPORT_MB", "2")
    result = runner.invoke(app, ["import", str(big), "--db", sqlite_url])
    assert result.exit_code == 1
    assert "big.csv is 3 MB, over the import limit of 2 MB (CIVICDESK_MAX_IMPORT_MB)" in result.output
    assert "none yet" in runner.invoke(app, ["info", "--db", sqlite_url]).output  # nothing was written
    assert runner.invoke(app, ["import", str(small), "--db", sqlite_url]).exit_code == 0
    monkeypatch.setenv("CIVICDESK_MAX_IMPORT_MB", "lots")
    result = runner.invoke(app, ["import", str(small), "--db", sqlite_url])
    assert result.exit_code == 1 and "must be a positive number of megabytes, not 'lots'" in result.output
    monkeypatch.delenv("CIVICDESK_MAX_IMPORT_MB")
    from civicdesk import config

    assert config.max_import_mb() == 2048
