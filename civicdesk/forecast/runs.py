"""Stored forecast runs: the forecast that was made, kept, so the app and the briefing show it again.

    run = make_run(engine, by=("street",), h=28)          # backtest, choose, forecast, store, model card
    run = latest_run(engine, by=("street",))               # what was made last, without refitting
    run.values                                             # unique_id, ds, model, mean, lo-80, … hi-95

A run records its as-of date (the last day of data used), horizon, grouping, the models chosen per
series with the error of that choosing on a fold it never saw next to the seasonal naive's (see
`auto_forecast`), a hash of the input data and the code version; a model card in Markdown goes to
`models/runs/`.
"""
from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import civicdesk
from civicdesk import config
from civicdesk.forecast.auto import auto_forecast
from civicdesk.forecast.models import DEFAULT_LEVELS
from civicdesk.parallel import scheduler_address
from civicdesk.store import daily_counts, data_span
from civicdesk.codes import TAIL_CATEGORIES
from civicdesk.store.categories import split_tail
from civicdesk.store.bulk import bulk_insert
from civicdesk.store.schema import forecast_runs, forecast_values
from civicdesk.access import require
from civicdesk.artifacts import write_artifact
from civicdesk.accounts import record

VALUE_COLUMNS = ("mean", "lo-80", "hi-80", "lo-95", "hi-95")
#: Series per batch of a stored forecast on a Dask cluster (CIVICDESK_DASK_SCHEDULER): enough to keep a
#: cluster's workers busy; here the batch is four per process, so that progress is reported often.
CLUSTER_BATCH = 64


@dataclass(frozen=True)
class ForecastRun:
    """One stored forecast: its settings, what was chosen, and the values."""

    run_id: int
    as_of: pd.Timestamp
    horizon: int
    by: tuple[str, ...]
    data_hash: str
    code_version: str
    metrics: pd.DataFrame   # unique_id, model, backtest_mase, naive_mase, selection_mase
    messages: tuple[str, ...]
    values: pd.DataFrame    # unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95
    card: Path | None = None


def grouping_name(by: Sequence[str]) -> str:
    return "/".join(by) or "total"


def data_hash(series: pd.DataFrame) -> str:
    """sha256 of the input series, so a run can be matched to the data it saw."""
    frame = series.sort_values(["unique_id", "ds"])[["unique_id", "ds", "y"]]
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()


def _write_card(run: ForecastRun, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    chosen = run.metrics.groupby("model")["selection_mase"].agg(["size", "mean"])
    scored = run.metrics.dropna(subset=["backtest_mase", "naive_mase"])
    beats = int((scored["backtest_mase"] < scored["naive_mase"]).sum())
    loses = int((scored["backtest_mase"] > scored["naive_mase"]).sum())
    lines = [f"# Forecast run {run.run_id}", "",
             f"- as of: {run.as_of.date()} (last day of data used)", f"- horizon: {run.horizon} days",
             f"- grouping: {grouping_name(run.by)} ({run.metrics['unique_id'].nunique()} series)",
             f"- data sha256: {run.data_hash}", f"- code: civicdesk {run.code_version}",
             "- selection: per series, the lowest MASE (seasonal lag 7) over rolling-origin backtests",
             f"- the choosing, scored on the last {run.horizon} days it did not choose on: beats the seasonal naive "
             f"on {beats} of {len(scored)} series, loses on {loses} (mean MASE "
             f"{scored['backtest_mase'].mean():.3f} against {scored['naive_mase'].mean():.3f}; "
             f"{len(run.metrics) - len(scored)} series too short to score)", "",
             "| model | series | mean MASE on the folds it was chosen on |", "|---|---|---|"]
    lines += [f"| {model} | {int(row['size'])} | {row['mean']:.3f} |" for model, row in chosen.iterrows()]
    if run.messages:
        lines += ["", "## Notes", *[f"- {m}" for m in run.messages[:50]]]
    path = folder / f"forecast-run-{run.run_id}.md"
    write_artifact(path, "\n".join(lines) + "\n")
    return path


#: A forecast by category fits at most this many series; a longer taxonomy's smallest categories are merged.
MAX_CATEGORY_SERIES = 20


def lump_category_tail(series: pd.DataFrame, limit: int = MAX_CATEGORY_SERIES) -> pd.DataFrame:
    """Daily series by category with, beyond `limit` categories, the smallest merged into one series
    (`codes.TAIL_CATEGORIES`, which `category_label` names per language); fewer are left as they are."""
    volumes = series.groupby("unique_id")["y"].sum()
    if len(volumes) <= limit:
        return series
    kept, _ = split_tail(volumes, top=limit - 1, min_share=0.0)
    merged = series.assign(unique_id=series["unique_id"].where(series["unique_id"].isin(kept), TAIL_CATEGORIES))
    return merged.groupby(["unique_id", "ds"], as_index=False)["y"].sum()


def make_run(engine: Engine, by: Sequence[str] = ("street",), h: int = 28, as_of=None, start=None,
             n_windows: int = 3, n_jobs: int = 1, models=None,
             progress: Callable[[float, str], None] | None = None) -> ForecastRun:
    """Backtest, choose a model per series, forecast `h` days after `as_of`, and store the run.

    Args:
        engine: the store.
        by: grouping, as in `store.daily_counts` (() for the district total).
        h: horizon in days.
        as_of: last day of data to use (default the store's last day).
        start: first day of history (default two years before `as_of`).
        n_windows, n_jobs, models: passed to `auto_forecast`.
        progress: optional `progress(fraction, message)` callback.

    Raises:
        AccessDenied: the acting user may not fit and store models (analysts and admins may).
    """
    require("fit_model")
    report = progress or (lambda f, m: None)
    report(0.05, "读取历史数据")
    last = pd.Timestamp(as_of) if as_of is not None else None
    first = pd.Timestamp(start) if start is not None else (last - pd.Timedelta(days=730) if last is not None else None)
    span = data_span(engine)
    if first is not None and span is not None and first < pd.Timestamp(span[0]):
        first = pd.Timestamp(span[0])  # counts are zero-filled from `first`: never before the data begin
    series = daily_counts(engine, by=tuple(by), start=first, end=last)
    if series.empty:
        raise ValueError("the store holds no tickets to forecast from")
    if first is None:
        cut = series["ds"].max() - pd.Timedelta(days=730)
        series = series[series["ds"] > cut]
    if tuple(by) == ("category",):
        series = lump_category_tail(series)
    ids = sorted(series["unique_id"].unique())
    batch = max(4 * n_jobs, 4) if scheduler_address() is None else CLUSTER_BATCH
    parts, messages_seen = [], []
    for start in range(0, len(ids), batch):  # in batches, so a long fit keeps reporting progress
        report(0.1 + 0.8 * start / len(ids), f"回测并预测：第 {start + 1}–{min(start + batch, len(ids))} 个序列，"
                                            f"共 {len(ids)} 个")
        chunk = series[series["unique_id"].isin(ids[start:start + batch])]
        part = auto_forecast(chunk, h, DEFAULT_LEVELS, models=models, n_windows=n_windows, n_jobs=n_jobs)
        messages_seen += part.attrs.get("messages", [])
        parts.append(part)
    fc = pd.concat(parts, ignore_index=True)
    fc.attrs["messages"] = messages_seen
    metrics = fc.groupby("unique_id", as_index=False).agg(model=("model", "first"),
                                                           backtest_mase=("backtest_mase", "first"),
                                                           naive_mase=("naive_mase", "first"),
                                                           selection_mase=("selection_mase", "first"))
    messages = tuple(fc.attrs.get("messages", []))
    report(0.9, "保存预测结果")
    with engine.begin() as conn:
        record(conn, "store_forecast", grouping_name(by), {"h": h, "as_of": str(series["ds"].max().date())})
        run_id = conn.execute(forecast_runs.insert().values(
            created_at=pd.Timestamp.now().to_pydatetime(), as_of=series["ds"].max().date(), horizon=h,
            grouping=grouping_name(by), models=json.dumps(sorted(metrics["model"].unique().tolist())),
            data_hash=data_hash(series), code_version=civicdesk.__version__,
            metrics=metrics.to_json(orient="records", force_ascii=False),
            messages=json.dumps(list(messages), ensure_ascii=False))).inserted_primary_key[0]
        rows = fc[["unique_id", "ds", "model", *VALUE_COLUMNS]].rename(
            columns=lambda c: c.replace("-", "_")).assign(run_id=run_id)
        bulk_insert(conn, forecast_values, rows)
    run = load_run(engine, run_id)
    card = _write_card(run, config.models_dir() / "runs")
    report(1.0, "完成")
    return ForecastRun(**{**run.__dict__, "card": card})


def _metrics(stored: pd.DataFrame) -> pd.DataFrame:
    """A run's per-series metrics. Runs stored before the choosing was scored on a fold it never saw hold
    only in-sample figures (the chosen model's lowest MASE and the naive's on the folds it was chosen on):
    they come back as unique_id, model and selection_mase, with no backtest_mase or naive_mase column, so
    nothing shows them as a held-out score."""
    if "selection_mase" in stored.columns or "backtest_mase" not in stored.columns:
        return stored
    return stored.rename(columns={"backtest_mase": "selection_mase"})[["unique_id", "model", "selection_mase"]]


def load_run(engine: Engine, run_id: int) -> ForecastRun:
    """A stored run by id."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(forecast_runs).where(forecast_runs.c.run_id == run_id)).first()
        if row is None:
            raise KeyError(f"no forecast run {run_id}")
        values = pd.DataFrame(conn.execute(sa.select(forecast_values).where(forecast_values.c.run_id == run_id)
                                           .order_by(forecast_values.c.unique_id, forecast_values.c.ds))
                              .mappings().all())
    values = values.drop(columns="run_id").rename(columns=lambda c: c.replace("_", "-") if c[:3] in ("lo_", "hi_")
                                                  else c)
    values["ds"] = pd.to_datetime(values["ds"])
    by = () if row.grouping == "total" else tuple(row.grouping.split("/"))
    return ForecastRun(run_id=row.run_id, as_of=pd.Timestamp(row.as_of), horizon=row.horizon, by=by,
                       data_hash=row.data_hash, code_version=row.code_version,
                       metrics=_metrics(pd.read_json(io.StringIO(row.metrics), orient="records")),
                       messages=tuple(json.loads(row.messages)), values=values)


def latest_run(engine: Engine, by: Sequence[str] = ("street",), as_of=None) -> ForecastRun | None:
    """The stored run for this grouping with the latest as-of date (newest first), or None."""
    query = sa.select(forecast_runs.c.run_id).where(forecast_runs.c.grouping == grouping_name(by))
    if as_of is not None:
        query = query.where(forecast_runs.c.as_of == pd.Timestamp(as_of).date())
    with engine.connect() as conn:
        run_id = conn.execute(query.order_by(forecast_runs.c.as_of.desc(), forecast_runs.c.run_id.desc())
                              .limit(1)).scalar()
    return None if run_id is None else load_run(engine, run_id)
