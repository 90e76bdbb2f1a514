"""Nothing private or generated is tracked: data/ and models/ hold only their READMEs in git, and both
folders exist in a fresh clone."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tracked(*paths: str) -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize("folder", ["data", "models"])
def test_only_readmes_are_tracked_under(folder):
    tracked = _tracked(folder)
    assert f"{folder}/README.md" in tracked, f"{folder}/README.md must be tracked so a clone has the folder"
    others = [p for p in tracked if not Path(p).name.startswith("README")]
    assert others == [], f"files under {folder}/ must not be in git: {others}"


@pytest.mark.parametrize("path", ["data/raw/uploads/tickets.xlsx", "data/civicdesk.db", "data/caller.key",
                                  "data/profiles/ours.toml", "models/staffing-calibration.json",
                                  "models/runs/12.md"])
def test_what_the_app_writes_is_ignored(path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT).returncode == 0
    assert ignored, f"{path} would be committed: .gitignore must cover it"


def test_no_shared_real_data_file_is_tracked():
    """No tracked file has the name of a file in ../shared/realdata (the workbooks and CSVs there are borrowed)."""
    realdata = ROOT.parent / "shared" / "realdata"
    if not realdata.is_dir():
        pytest.skip("../shared/realdata is not beside this checkout")
    names = {p.name for p in realdata.rglob("*") if p.is_file() and p.name != "README.md"}
    tracked = {Path(p).name for p in _tracked(".")}
    assert not names & tracked, f"files from shared/realdata are tracked: {sorted(names & tracked)}"
