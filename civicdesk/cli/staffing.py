"""`civicdesk staffing …`: calibrate the simulation, backtest it, simulate a period and plan the roster."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION, ProgressBar, open_store

app = typer.Typer(no_args_is_help=True, help="Staffing: calibrate, backtest, simulate and plan.")


def _span(text: str) -> tuple[str, str]:
    import pandas as pd  # here, not at the top: `civicdesk --help` starts without pandas

    try:
        a, b = text.split(":")
        pd.Timestamp(a), pd.Timestamp(b)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a period; write START:END, e.g. 2022-04-01:2022-06-30") from None
    return a, b


def _last_quarter(engine) -> tuple[str, str]:
    """The quarter before the data's last one (its tickets have had time to close)."""
    from civicdesk.store.queries import data_span
    span = data_span(engine)
    if span is None:
        typer.secho("the store holds no tickets yet; import them or run `civicdesk demo`", fg="red", err=True)
        raise typer.Exit(1)
    from civicdesk.staffing.calibrate import default_period

    start, end = default_period(span)  # the same period the app's Calibrate button uses
    return str(start), str(end)




@app.command()
def calibrate(period: Optional[str] = typer.Option(None, help="START:END (default: the quarter before the data's last)."),
              out: Optional[Path] = typer.Option(None, help="Where to save (default: models/staffing-calibration.json)."),
              if_missing: bool = typer.Option(False, "--if-missing",
                                              help="Do nothing when a calibration of this store's data exists."),
              seed: int = 0, db: Optional[str] = DB_OPTION):
    """Fit availability per street and the lead-time distributions on a past period, and save them."""
    from civicdesk.staffing.calibrate import calibrate_store
    from civicdesk.staffing.calibration_file import load_calibration, save_calibration
    engine = open_store(db)
    if if_missing and load_calibration(out, store=engine) is not None:
        return
    start, end = _span(period) if period else _last_quarter(engine)
    bar = ProgressBar("校准 calibrating")
    try:
        calib = calibrate_store(engine, start, end, seed=seed, progress=lambda s, street: bar(s, street))
    except ValueError as exc:
        bar.close()
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    bar.close()
    path = save_calibration(calib, out)
    import pandas as pd

    avail = pd.Series(calib.availability)
    typer.echo(f"Calibrated on {start}..{end}: availability {avail.min():.2f}–{avail.max():.2f} "
               f"(median {avail.median():.2f}); returns {calib.p_return:.1%}, reopened {calib.p_reopen:.1%}. Saved {path}")


@app.command()
def backtest(calibration: str = typer.Option("2022-04-01:2022-06-30", help="Calibration period START:END."),
             test: str = typer.Option("2022-07-01:2022-09-30", help="Test period START:END."),
             seed: int = 0, json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the result as JSON."),
             db: Optional[str] = DB_OPTION):
    """Calibrate on one period, replay the next with its real arrivals and roster, compare per street."""
    from civicdesk.staffing.backtest import backtest as run
    engine = open_store(db)
    bar = ProgressBar("回测 backtesting")
    try:
        check = run(engine, _span(calibration), _span(test), seed=seed, progress=bar)
    except ValueError as exc:
        bar.close()
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    bar.close()
    frame = check.streets.assign(observed=lambda d: (d["observed"] * 100).round(1),
                                 simulated=lambda d: (d["simulated"] * 100).round(1), gap=lambda d: d["gap"].round(1))
    typer.echo(frame.to_string(index=False))
    typer.echo(check.roles.round(3).to_string(index=False))
    verdict = "PASS" if check.passed else "FAIL"
    typer.echo(f"{verdict}: largest gap {check.max_gap:.1f} points (tolerance {check.tolerance:.0f}).")
    if json_out:
        import pandas as pd

        json_out.write_text(pd.Series({"calibration": check.calibration_period, "test": check.test_period,
                                       "max_gap": check.max_gap, "passed": check.passed,
                                       "streets": check.streets.to_dict("records"),
                                       "roles": check.roles.to_dict("records")}).to_json(force_ascii=False, indent=1))


@app.command()
def plan(period: Optional[str] = typer.Option(None, help="Replay this history START:END (default: the latest forecast)."),
         quantile: float = typer.Option(0.5, help="Forecast quantile: 0.5, 0.9 or 0.975."),
         close: float = typer.Option(0.90, help="Target: general tickets closed within 5 working days."),
         sign: float = typer.Option(0.90, help="Target: signed within 24 hours."),
         mediation: float = typer.Option(0.90, help="Target: disputes settled within 30 days."),
         fixed: bool = typer.Option(False, "--fixed-headcount", help="Suggest moves that keep today's total."),
         seed: int = 0, db: Optional[str] = DB_OPTION):
    """The smallest grid workers and mediators per street that meet the targets."""
    from civicdesk.staffing import SimConfig, Targets, load_calibration, load_staff, roster_on, staffing_demand
    from civicdesk.staffing import plan as make_plan
    engine = open_store(db)
    try:
        start, end = _span(period) if period else (None, None)
        tickets = staffing_demand(engine, "history" if period else "forecast", quantile, start, end, seed)
        roster = roster_on(load_staff(engine), tickets["created_at"].min())
        bar = ProgressBar("规划 planning")
        result = make_plan(tickets, roster, Targets(close, sign, mediation),
                           SimConfig(calibration=load_calibration(store=engine)),
                           seed=seed, fixed_total=fixed, progress=bar)
        bar.close()
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.streets.round(3).to_string(index=False))
    if len(result.moves):
        typer.echo(result.moves.to_string(index=False))
    for p in result.problems:
        typer.secho(p, fg="yellow")
    typer.echo(f"Cost per year: today {result.cost_now:,.0f} CNY, plan {result.cost_plan:,.0f} CNY.")


def _read_table(path: Path, what: str) -> pd.DataFrame:
    """A CSV/XLSX file as strings (columns as in the file, plus _row: the line or sheet row of each record)."""
    import pandas as pd

    from civicdesk.cli.common import refuse_oversized
    from civicdesk.ingest.readers import NotATableError, open_table

    if not path.exists():
        typer.secho(f"{what} {path} does not exist", fg="red", err=True)
        raise typer.Exit(1)
    refuse_oversized(path)
    try:
        frames = list(open_table(path).chunks())
    except NotATableError as exc:
        typer.secho(f"{what} {path} cannot be read: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    return pd.concat(frames, ignore_index=True).drop(columns="_sheet") if frames else pd.DataFrame()


def _window(times: pd.Series, span: tuple[str, str]) -> pd.Series:
    """Rows with START <= time <= END; an END without a time of day means the whole of that day."""
    import pandas as pd

    start, end = pd.Timestamp(span[0]), pd.Timestamp(span[1])
    stop = end + pd.Timedelta(days=1) if end == end.normalize() else end + pd.Timedelta(microseconds=1)
    return (times >= start) & (times < stop)


@app.command("hotline-check")
def hotline_check(log: Path = typer.Argument(..., help="ACD call log, CSV or XLSX, one row per call: arrived_at, "
                                                       "waited_s, outcome (served/abandoned), service_s, agent."),
                  calibrate: str = typer.Option(..., "--calibrate", help="Fit on START:END (dates inclusive)."),
                  test: str = typer.Option(..., "--test", help="Predict START:END (a later period)."),
                  roster: Optional[Path] = typer.Option(None, help="Roster CSV/XLSX with ds (interval start) and "
                                                                   "agents; default: the agents seen answering."),
                  interval: int = typer.Option(30, help="Slot length in minutes.")):
    """Fit the hotline on one period and predict, hour by hour, the share of callers who wait in another."""
    import math

    import pandas as pd

    from civicdesk.staffing.hotline import LOG_COLUMNS, calibrate_hotline

    cal_span, test_span = _span(calibrate), _span(test)
    calls = _read_table(log, "the call log")
    if "arrived_at" not in calls.columns:
        typer.secho(f"the call log has no arrived_at column; it needs {', '.join(LOG_COLUMNS)} (see "
                    "docs/staffing.md, 'Exporting the ACD call log'); it has: "
                    f"{', '.join(c for c in calls.columns if c != '_row') or 'no columns'}", fg="red", err=True)
        raise typer.Exit(1)
    calls["arrived_at"] = pd.to_datetime(calls["arrived_at"], errors="coerce")
    bad = calls["arrived_at"].isna()
    if bad.any():
        typer.secho(f"{int(bad.sum())} call(s) have no valid arrived_at (first at line {calls.loc[bad, '_row'].iloc[0]})",
                    fg="red", err=True)
        raise typer.Exit(1)
    plan = None
    if roster is not None:
        plan = _read_table(roster, "the roster")
        if not {"ds", "agents"} <= set(plan.columns):
            typer.secho("the roster needs columns ds (interval start) and agents (rostered head count)", fg="red",
                        err=True)
            raise typer.Exit(1)
        plan["ds"] = pd.to_datetime(plan["ds"], errors="coerce")
    parts = []
    for name, span in (("calibration", cal_span), ("test", test_span)):
        rows = calls[_window(calls["arrived_at"], span)].drop(columns="_row")
        if rows.empty:
            typer.secho(f"no calls in the {name} period {span[0]}..{span[1]}; the log covers "
                        f"{calls['arrived_at'].min():%Y-%m-%d %H:%M} .. {calls['arrived_at'].max():%Y-%m-%d %H:%M}",
                        fg="red", err=True)
            raise typer.Exit(1)
        parts.append((rows, None if plan is None else plan[_window(plan["ds"], span)].drop(columns="_row")))
    if _window(parts[1][0]["arrived_at"], cal_span).any():
        typer.secho("warning: the test period overlaps the calibration period, so this is not a forward check",
                    fg="yellow", err=True)
    try:
        fitted = calibrate_hotline(*parts[0], interval_minutes=interval)
        pooled = calibrate_hotline(*parts[0], interval_minutes=interval, shrinkage_k=math.inf, weekday_k=math.inf)
        check, check_pooled = fitted.predict(*parts[1]), pooled.predict(*parts[1])
    except ValueError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    table = pd.DataFrame({"hour": check.by_hour["hour"].map("{:02d}:00".format), "calls": check.by_hour["calls"],
                          "observed_%": (100 * check.by_hour["observed"]).round(1),
                          "predicted_%": (100 * check.by_hour["erlang_a"]).round(1),
                          "gap_pts": check.by_hour["gap_a_pts"].round(1)})
    typer.echo(f"Calibrated on {cal_span[0]}..{cal_span[1]} ({len(parts[0][0]):,} calls): AHT {fitted.aht_s:.0f} s, "
               f"patience {fitted.patience_s:.0f} s, shrinkage {fitted.by_hour['shrinkage'].min():.2f}–"
               f"{fitted.by_hour['shrinkage'].max():.2f} by hour (pooled {fitted.shrinkage:.2f}).")
    typer.echo(f"Share of callers who waited in {test_span[0]}..{test_span[1]} ({len(parts[1][0]):,} calls), "
               "observed vs predicted:")
    typer.echo(table.to_string(index=False))
    typer.echo(f"Mean absolute gap: {check.erlang_a_gap_pts:.1f} points per hour "
               f"(one shrinkage for all hours: {check_pooled.erlang_a_gap_pts:.1f}; Erlang C on the roster: "
               f"{check.erlang_c_gap_pts:.1f}).")
