"""Staffing: how many people are needed, and where.

- `erlang`: analytic queueing for the hotline (Erlang B, C and A; agents per interval).
- `hotline`: a call-level hotline simulation and the calibration of effective agents from an ACD log.
- `sim`: the discrete-event simulation of grid workers, the duty desk and the mediation tiers.
- `calibrate` / `backtest`: fit the simulation to a past period and check it on the next.
- `plan`: the smallest roster that meets the time-limit targets.
- `scenarios`: what-ifs saved in the store and compared side by side.
"""
from civicdesk.staffing.backtest import Backtest, backtest
from civicdesk.staffing.calibrate import calibrate, calibrate_store
from civicdesk.staffing.calibration_file import load_calibration, save_calibration
from civicdesk.staffing.config import Calibration, SimConfig
from civicdesk.staffing.demand import apply_volume, demand_from_forecast, staffing_demand
from civicdesk.staffing.inputs import (grid_workers_by_day, heavy_backlogs, load_history, load_staff, open_backlog,
                                       roster_on)
from civicdesk.staffing.mediation import MediationSetup
from civicdesk.staffing.plan import Costs, Plan, Targets, plan
from civicdesk.staffing.scenarios import (RosterChange, StaffingScenario, compare_staffing, delete_staffing,
                                          list_staffing, load_staffing, move, run_scenario, save_staffing)
from civicdesk.staffing.sim import SimResult, simulate

__all__ = ["Backtest", "Calibration", "Costs", "MediationSetup", "Plan", "RosterChange", "SimConfig", "SimResult",
           "StaffingScenario", "Targets", "apply_volume", "backtest", "calibrate", "calibrate_store",
           "compare_staffing", "delete_staffing", "demand_from_forecast", "grid_workers_by_day", "heavy_backlogs",
           "list_staffing", "load_calibration", "load_history", "load_staff", "load_staffing", "move", "open_backlog",
           "plan", "roster_on", "run_scenario", "save_calibration", "save_staffing", "simulate", "staffing_demand"]
