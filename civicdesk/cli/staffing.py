"""`civicdesk staffing …`: calibrate the simulation, backtest it, simulate a period and plan the roster."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from civicdesk.cli.common import DB_OPTION, ProgressBar, open_store

app = typer.Typer(no_args_is_help=True, help="Staffing: calibrate, backtest, simulate and plan.")


def _span(text: str) -> tuple[str, str]:
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
    from civicdesk.staffing.calibrate import calibrate_store, load_calibration, save_calibration
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
