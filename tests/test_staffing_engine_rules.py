"""The event engine's shift rules: roster hand-back, shift windows, overtime, own-grid preference, the
help rule and returns (time in hours from day 0's midnight)."""
from __future__ import annotations

import numpy as np
import pytest

from civicdesk.staffing.engine import Shifts, Work, run_street


def test_engine_rejects_zero_speed():
    work = Work(np.zeros(1), np.zeros(1), np.zeros(1, np.int64), np.ones(1), np.full(1, np.nan), np.zeros(1))
    with pytest.raises(ValueError, match="speed"):
        run_street(work, np.ones((1, 1), bool), Shifts(np.ones(1, bool)), speed=0.0)


# ---------------------------------------------------------------------------------------------------
# 5. Engine specifics (time in hours from day 0's midnight)


def work(arrive, key=None, grid=None, effort=None, again_at=None, again_effort=None) -> Work:
    arrive = np.asarray(arrive, float)
    n = len(arrive)
    return Work(arrive, np.asarray(key if key is not None else arrive + 120.0, float),
                np.asarray(grid if grid is not None else [-1] * n, np.int64),
                np.asarray(effort if effort is not None else [1.0] * n, float),
                np.asarray(again_at if again_at is not None else [np.nan] * n, float),
                np.asarray(again_effort if again_effort is not None else [0.0] * n, float))


SHIFT = Shifts(np.ones(5, bool), start_h=9.0, end_h=17.0, overtime_h=0.0)


@pytest.mark.parametrize("effort, speed, grid, finish, busy", [
    (12.0, 1.0, -1, 24 + 9 + 4.0, [8.0, 4.0]),   # 8 h on day 0 by worker 0, the rest on day 1 by worker 1
    (12.0, 1.0, 0, 24 + 9 + 4.0, [8.0, 4.0]),    # even when it is worker 0's own grid
    (6.0, 0.5, -1, 24 + 9 + 4.0, [8.0, 4.0]),    # half speed: 4 h of work done on day 0
    (20.0, 1.0, -1, 48 + 9 + 4.0, [8.0, 12.0]),
])
def test_worker_off_roster_hands_back_work(effort, speed, grid, finish, busy):
    active = np.array([[True, False, False, False, False], [False, True, True, True, True]])
    log = run_street(work([9.0], grid=[grid], effort=[effort]), active, SHIFT, speed=speed)
    assert log.start[0] == 9.0
    assert log.finish[0] == pytest.approx(finish)
    np.testing.assert_allclose(log.busy_h, busy)
    np.testing.assert_allclose(log.shift_h, [8.0, 32.0])


def _within_windows(times, shifts, extra):
    times = times[~np.isnan(times)]
    day = np.floor(times / 24).astype(int)
    hour = times - 24 * day
    return shifts.workday[day] & (hour >= shifts.start_h - 1e-9) & (hour <= shifts.end_h + extra + 1e-9)


@pytest.mark.parametrize("per_hour, workers, speed, seed", [
    (0.3, 3, 1.0, 0),
    (1.0, 3, 0.7, 1),     # overloaded: overtime every day
    (2.0, 6, 0.6, 2),
])
def test_work_only_on_shift(per_hour, workers, speed, seed):
    rng = np.random.default_rng(seed)
    days = 35
    workday = np.array([d % 7 < 5 for d in range(days)])
    workday[10] = False  # a holiday
    shifts = Shifts(workday, start_h=9.0, end_h=17.5, overtime_h=2.0, overtime_queue=3.0)
    n = int(per_hour * 24 * 21)
    arrive = np.sort(rng.uniform(0, 21 * 24, n))
    effort = rng.lognormal(np.log(1.2), 0.6, n)
    again = np.where(rng.random(n) < 0.1, rng.uniform(5, 60, n), np.nan)
    active = np.ones((workers, days), bool)
    active[1, 4:9] = False
    w = work(arrive, arrive + 120, rng.integers(-1, workers, n), effort, again, 0.5 * effort)
    log = run_street(w, active, shifts, speed=speed)
    assert _within_windows(log.start, shifts, shifts.overtime_h).all()
    assert _within_windows(log.finish, shifts, shifts.overtime_h).all()
    started = ~np.isnan(log.start)
    assert (log.start[started] >= arrive[started]).all()
    assert (log.finish[started & ~np.isnan(log.finish)] > log.start[started & ~np.isnan(log.finish)]).all()
    # hours: nobody works more than their shifts plus overtime; overtime is bounded per working day
    assert (log.busy_h <= log.shift_h + log.overtime_h + 1e-9).all()
    assert (log.overtime_h <= shifts.overtime_h * active[:, workday].sum(axis=1) + 1e-9).all()
    assert log.shift_h[1] == pytest.approx(8.5 * (active[1] & workday).sum())


@pytest.mark.parametrize("seed", range(3))
def test_all_work_is_done_and_counted(seed):
    """Light load with returns: every hour of work (first and second visits) shows up as busy time."""
    rng = np.random.default_rng(seed)
    days = 28
    workday = np.array([d % 7 < 5 for d in range(days)])
    n = 120
    arrive = np.sort(rng.uniform(0, 14 * 24, n))
    effort = rng.lognormal(0.0, 0.5, n)
    again = np.where(rng.random(n) < 0.3, rng.uniform(5, 40, n), np.nan)
    w = work(arrive, grid=rng.integers(0, 3, n), effort=effort, again_at=again, again_effort=0.5 * effort)
    log = run_street(w, np.ones((3, days), bool), Shifts(workday, overtime_h=1.5), speed=0.8)
    assert not np.isnan(log.finish).any()
    total = effort.sum() + 0.5 * effort[~np.isnan(again)].sum()
    assert log.busy_h.sum() == pytest.approx(total / 0.8, rel=1e-9)


@pytest.mark.parametrize("queued, expected", [
    (0, 0.0),
    (1, 0.5),     # proportional: 1.5 h × 1 / (3 per worker × 1 worker)
    (2, 1.0),
    (3, 1.5),
    (7, 1.5),     # capped at overtime_h
])
def test_overtime_grows_with_the_queue(queued, expected):
    """One worker busy all day on a long ticket while `queued` tickets wait: overtime at the day's end."""
    shifts = Shifts(np.array([True, False]), start_h=9.0, end_h=17.0, overtime_h=1.5, overtime_queue=3.0)
    log = run_street(work([9.0] + [10.0] * queued, effort=[100.0] + [1.0] * queued), np.ones((1, 2), bool), shifts)
    assert log.overtime_h[0] == pytest.approx(expected)
    assert log.busy_h[0] == pytest.approx(8.0 + expected)


@pytest.mark.parametrize("seed", range(3))
def test_no_overtime_under_light_load(seed):
    rng = np.random.default_rng(seed)
    days = 21
    workday = np.array([d % 7 < 5 for d in range(days)])
    wd = np.flatnonzero(workday[:14])
    arrive = np.sort(rng.choice(wd, 60) * 24.0 + rng.uniform(9.5, 15.0, 60))  # daytime, ~4 a day
    log = run_street(work(arrive, grid=rng.integers(0, 4, 60), effort=rng.exponential(0.8, 60)),
                     np.ones((4, days), bool), Shifts(workday, overtime_h=2.0))
    assert (log.overtime_h == 0).all()
    assert not np.isnan(log.finish).any()


@pytest.mark.parametrize("workers, seed", [(2, 0), (3, 1), (5, 2)])
def test_light_load_work_goes_to_own_grid(workers, seed):
    """Each ticket finishes before the next arrives, so it is always worked by its grid's worker: each
    worker's busy hours are exactly the effort of their own grid's tickets (others stay idle)."""
    rng = np.random.default_rng(seed)
    arrive = (24.0 * np.arange(15)[:, None] + np.array([10.0, 14.0])).ravel()  # 10:00 and 14:00 daily
    n = len(arrive)
    grid = rng.integers(0, workers, n)
    effort = rng.uniform(0.5, 3.0, n)
    days = int(arrive.max() // 24) + 2
    log = run_street(work(arrive, grid=grid, effort=effort), np.ones((workers, days), bool),
                     Shifts(np.ones(days, bool), start_h=9.0, end_h=17.0))
    np.testing.assert_allclose(log.start, arrive)
    expected = np.bincount(grid, weights=effort, minlength=workers)
    np.testing.assert_allclose(log.busy_h, expected)


@pytest.mark.parametrize("colleague_due_earlier, colleague_first", [
    (0.0, False),       # same deadline: own grid first
    (10.0, False),      # earlier, but within the margin: own grid first
    (24.0, False),      # exactly the margin: not *more* than the margin
    (24.5, True),       # more than the margin earlier: the colleague's ticket first
    (-5.0, False),      # the colleague's is due later
])
def test_help_rule(colleague_due_earlier, colleague_first):
    """Worker 0 (on shift) has an own-grid ticket; worker 1 (off the roster) has one due earlier.
    Both wait overnight; at 9:00 worker 0 chooses. Worker 0 alone works, so the order shows in the starts."""
    own_key = 200.0
    w = work([1.0, 2.0], key=[own_key, own_key - colleague_due_earlier], grid=[0, 1], effort=[2.0, 3.0])
    active = np.array([[True, True], [False, False]])
    log = run_street(w, active, Shifts(np.ones(2, bool), start_h=9.0, end_h=17.0, help_margin_h=24.0))
    if colleague_first:
        np.testing.assert_allclose(log.start, [12.0, 9.0])
    else:
        np.testing.assert_allclose(log.start, [9.0, 11.0])


@pytest.mark.parametrize("own_key, pool_key, first", [
    (None, 150.0, 1),   # nothing of one's own: the street's most urgent
    (300.0, 150.0, 1),  # own much later
    (150.0, 300.0, 0),
])
def test_idle_worker_helps_the_street(own_key, pool_key, first):
    keys = [own_key if own_key is not None else 400.0, pool_key]
    grids = [0 if own_key is not None else 1, 1]
    log = run_street(work([1.0, 2.0], key=keys, grid=grids, effort=[1.0, 1.0]),
                     np.array([[True], [False]]), Shifts(np.ones(1, bool), start_h=9.0, end_h=17.0))
    assert log.start[first] == 9.0 and log.start[1 - first] == 10.0


@pytest.mark.parametrize("again_at", [100.0, 30.0])
def test_ticket_with_pending_return_is_unfinished(again_at):
    # first visit 10:00–11:00 on day 0; the return arrives after the last shift (day 0 only is a workday)
    shifts = Shifts(np.array([True, False, False]), start_h=9.0, end_h=17.0, overtime_h=0.0)
    log = run_street(work([10.0], effort=[1.0], again_at=[again_at], again_effort=[1.0]),
                     np.ones((1, 3), bool), shifts)
    assert log.start[0] == 10.0
    assert np.isnan(log.finish[0])
