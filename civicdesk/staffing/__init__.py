"""Staffing: how many people are needed, and where.

- `erlang`: analytic queueing for the hotline (Erlang B, C and A; agents per interval).
- `hotline`: a call-level hotline simulation and the calibration of effective agents from an ACD log.
- `sim`: the discrete-event simulation of grid workers, the duty desk and the mediation tiers.
- `calibrate`: fit the simulation to a past period and backtest it on the next.
- `plan`: the smallest roster that meets the time-limit targets.
"""
