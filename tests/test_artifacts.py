"""Model artifacts load only when their checksum matches; nothing in civicdesk loads a pickle."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from civicdesk.artifacts import ArtifactError, read_artifact, write_artifact
from civicdesk.staffing.calibration_file import load_calibration, save_calibration
from civicdesk.staffing.config import Calibration

ROOT = Path(__file__).resolve().parent.parent


def calibration() -> Calibration:
    pool = np.linspace(0, 5, 201)
    return Calibration(availability={"明水街道": 0.4}, lead_wd={"default": pool}, urgent_lead_h={"urgent": pool},
                       sign_h=pool, p_return=0.05, p_reopen=0.02, effort_scale=1.0, mediation_scale=1.0,
                       period=("2023-01-01", "2023-03-31"))


def test_round_trip_and_tampering(tmp_path):
    path = write_artifact(tmp_path / "m.json", '{"a": 1}')
    assert read_artifact(path) == '{"a": 1}'
    path.write_text('{"a": 2}', encoding="utf-8")
    with pytest.raises(ArtifactError, match="does not match"):
        read_artifact(path)
    dropped = tmp_path / "dropped.json"
    dropped.write_text("{}", encoding="utf-8")
    with pytest.raises(ArtifactError, match="no recorded checksum"):
        read_artifact(dropped)


def test_calibration_is_loaded_only_when_it_verifies(tmp_path):
    path = save_calibration(calibration(), tmp_path / "cal.json")
    assert load_calibration(path).availability == {"明水街道": 0.4}
    text = path.read_text(encoding="utf-8").replace("0.4", "0.9")
    path.write_text(text, encoding="utf-8")
    assert load_calibration(path) is None  # edited by hand: not trusted
    other = tmp_path / "copied.json"
    other.write_text(text, encoding="utf-8")
    assert load_calibration(other) is None  # no checksum: not written here


def test_no_pickle_is_ever_loaded():
    pattern = re.compile(r"pickle\.loads?\(|read_pickle\(|joblib\.load\(|dill\.|cloudpickle\.load")
    found = [f"{p.relative_to(ROOT)}:{i}" for folder in ("civicdesk", "app") for p in (ROOT / folder).rglob("*.py")
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not found, found
