"""The saved staffing calibration: its JSON form, the signed file under models/, and whether it belongs to
a store (its identity and the span of its data)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from civicdesk.artifacts import read_artifact, write_artifact
from civicdesk.config import models_dir
from civicdesk.staffing.config import Calibration

POOL_POINTS = 201
CALIBRATION_FORMAT = 2


def _pool(values) -> list[float] | None:
    if values is None or len(values) == 0:
        return None
    return np.quantile(np.asarray(values, dtype=float), np.linspace(0, 1, POOL_POINTS)).round(4).tolist()


def calibration_to_json(calib: Calibration) -> str:
    """The calibration as JSON (each distribution kept as 201 quantiles)."""
    return json.dumps({
        "format": CALIBRATION_FORMAT,
        "availability": {k: round(float(v), 5) for k, v in calib.availability.items()},
        "lead_wd": {k: _pool(v) for k, v in calib.lead_wd.items()},
        "urgent_lead_h": {k: _pool(v) for k, v in (calib.urgent_lead_h or {}).items()}, "sign_h": _pool(calib.sign_h),
        "p_return": calib.p_return, "p_reopen": calib.p_reopen, "effort_scale": calib.effort_scale,
        "mediation_scale": calib.mediation_scale, "period": list(calib.period) if calib.period else None,
        "store_id": calib.store_id,
    }, ensure_ascii=False, indent=1)


def calibration_from_json(text: str) -> Calibration:
    d = json.loads(text)
    if d.get("format") != CALIBRATION_FORMAT:
        raise ValueError("this calibration was saved by another version of civicdesk; run "
                         "`civicdesk staffing calibrate` again")
    arr = (lambda v: None if v is None else np.asarray(v, dtype=float))
    return Calibration(availability=d["availability"], lead_wd={k: arr(v) for k, v in d["lead_wd"].items()},
                       urgent_lead_h={k: arr(v) for k, v in d["urgent_lead_h"].items()}, sign_h=arr(d["sign_h"]), p_return=d["p_return"],
                       p_reopen=d["p_reopen"], effort_scale=d["effort_scale"], mediation_scale=d["mediation_scale"],
                       period=tuple(d["period"]) if d["period"] else None, store_id=d.get("store_id"))


def calibration_path() -> Path:
    return models_dir() / "staffing-calibration.json"


def save_calibration(calib: Calibration, path: Path | None = None) -> Path:
    """Write the calibration JSON with its installation-keyed checksum (`civicdesk.artifacts`)."""
    return write_artifact(Path(path or calibration_path()), calibration_to_json(calib))


def load_calibration(path: Path | None = None, store: Engine | None = None) -> Calibration | None:
    """The saved calibration, or None when there is none yet, it is from an older version, or its checksum
    does not match (a file not written by this installation is never loaded).

    Args:
        path: the file (default `calibration_path()`).
        store: when given, the calibration is returned only if it was fitted on this store's current data
            (`calibration_state` says why not).
    """
    if store is not None:
        return calibration_state(store, path).calibration
    path = Path(path or calibration_path())
    if not path.exists():
        return None
    try:
        return calibration_from_json(read_artifact(path))
    except (ValueError, KeyError, TypeError):  # ArtifactError is a ValueError
        return None


@dataclass(frozen=True)
class CalibrationState:
    """Whether the saved calibration belongs to a store.

    Attributes:
        status: "current" (fitted on this store, on tickets it still holds), "missing" (no file),
            "unreadable" (another version's file, or a checksum that does not match), "other_store" (fitted
            on another store, or saved before stores had an identity), or "other_data" (fitted on this store
            but on tickets outside its present span: the data were replaced since).
        fitted: what the file holds, whatever the status (None when missing or unreadable).
    """

    status: str
    fitted: Calibration | None = None

    @property
    def calibration(self) -> Calibration | None:
        """The calibration to simulate with: only when "current", else None."""
        return self.fitted if self.status == "current" else None


def calibration_state(engine: Engine, path: Path | None = None) -> CalibrationState:
    """The saved calibration checked against `engine`'s store: its identity and its data's span."""
    from civicdesk.store.engine import store_id
    from civicdesk.store.queries import data_span

    path = Path(path or calibration_path())
    if not path.exists():
        return CalibrationState("missing")
    fitted = load_calibration(path)
    if fitted is None:
        return CalibrationState("unreadable")
    if fitted.store_id is None or fitted.store_id != store_id(engine):
        return CalibrationState("other_store", fitted)
    span = data_span(engine)
    if fitted.period and (span is None or not (str(span[0]) <= fitted.period[0] <= fitted.period[1] <= str(span[1]))):
        return CalibrationState("other_data", fitted)
    return CalibrationState("current", fitted)
