"""Early warning (预警): series and periods whose actual count fell outside the forecast made before them.

A centre that "senses" trouble early (善感知) looks each morning at the street × category days, and each
Monday at the weeks, that came in above (or below) the 95% interval of the forecast it had made. The
list is ranked by how far outside the interval the count fell, in units of the interval's half-width.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

WARNING_COLUMNS = ("unique_id", "period", "y", "expected", "lo", "hi", "direction", "severity")


def _weekly(frame: pd.DataFrame) -> pd.DataFrame:
    """Daily rows to Monday-based weeks; interval half-widths add in quadrature (days taken as independent)."""
    week = frame["period"] - pd.to_timedelta(frame["period"].dt.day_of_week, unit="D")
    frame = frame.assign(period=week, up=(frame["hi"] - frame["expected"]) ** 2,
                         down=(frame["expected"] - frame["lo"]) ** 2)
    agg = frame.groupby(["unique_id", "period"], as_index=False).agg(
        y=("y", "sum"), expected=("expected", "sum"), up=("up", "sum"), down=("down", "sum"), days=("y", "size"))
    agg = agg[agg["days"] == 7]
    agg["hi"] = agg["expected"] + np.sqrt(agg["up"])
    agg["lo"] = (agg["expected"] - np.sqrt(agg["down"])).clip(lower=0)
    return agg.drop(columns=["up", "down", "days"])


def early_warnings(actual: pd.DataFrame, forecast: pd.DataFrame, model: str = "mean", level: int = 95,
                   freq: str = "D") -> pd.DataFrame:
    """Periods whose actual count is outside the forecast interval, most severe first.

    Args:
        actual: unique_id, ds, y.
        forecast: unique_id, ds and the model's columns (`mean`, `lo-95`, `hi-95` for `auto_forecast`
            output, or `<model>`, `<model>-lo-95`, … for a `Forecaster`'s), made before the days in `actual`.
        model: the mean column's name.
        level: interval level.
        freq: "D" for days, "W" for Monday-based weeks (only complete weeks).

    Returns:
        DataFrame[unique_id, period, y, expected, lo, hi, direction ("above"/"below"), severity], where
        severity is the distance outside the interval over the interval's half-width on that side.
    """
    prefix = "" if model == "mean" else f"{model}-"
    cols = {model: "expected", f"{prefix}lo-{level}": "lo", f"{prefix}hi-{level}": "hi"}
    missing = [c for c in cols if c not in forecast.columns]
    if missing:
        raise ValueError(f"the forecast has no columns {missing}")
    merged = forecast[["unique_id", "ds", *cols]].rename(columns=cols).merge(
        actual[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner").rename(columns={"ds": "period"})
    merged["period"] = pd.to_datetime(merged["period"])
    if freq == "W":
        merged = _weekly(merged)
    elif freq != "D":
        raise ValueError("freq is 'D' (days) or 'W' (weeks)")
    above = merged["y"] > merged["hi"]
    below = merged["y"] < merged["lo"]
    up = (merged["hi"] - merged["expected"]).clip(lower=1.0)
    down = (merged["expected"] - merged["lo"]).clip(lower=1.0)
    merged["severity"] = np.where(above, (merged["y"] - merged["hi"]) / up,
                                  np.where(below, (merged["lo"] - merged["y"]) / down, 0.0))
    merged["direction"] = np.where(above, "above", np.where(below, "below", ""))
    out = merged[above | below].sort_values(["severity", "y"], ascending=False, ignore_index=True)
    return out[list(WARNING_COLUMNS)]
