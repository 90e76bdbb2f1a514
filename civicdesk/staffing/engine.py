"""The event engine for one street's grid workers: tickets queue by deadline, workers work their own
grid first and help the street's other grids when idle, only on shift (working days, after the daily
patrol), pausing work in progress at the end of the shift and resuming it next shift; a long queue
keeps them on overtime. Returned (退单) and reopened (重办) tickets come back as new work.

Time is in hours from the simulation's first midnight (float). The engine knows nothing about the
store or pandas: arrays in, arrays out, so a street of a quarter runs in a fraction of a second.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

ARRIVE, FINISH, DAY_START, DAY_END, OT_END = 0, 1, 2, 3, 4
INF = float("inf")


@dataclass(frozen=True)
class Shifts:
    """When the workers are on shift: one window per day, only on the days flagged as working.

    Attributes:
        workday: bool per day of the horizon (day 0 starts at hour 0).
        start_h, end_h: the window's clock hours on a working day (start after the daily patrol).
        overtime_h: the most a shift is extended when the queue is long.
        overtime_queue: the queue (tickets per worker on shift) at which overtime reaches overtime_h;
            below it, overtime is proportional to the queue.
        help_margin_h: a worker leaves their own grid for a colleague's ticket due this much earlier.
        always: one window for the whole horizon (the plain M/M/c configuration).
    """

    workday: np.ndarray
    start_h: float = 9.0
    end_h: float = 17.5
    overtime_h: float = 1.5
    overtime_queue: float = 3.0
    help_margin_h: float = 24.0
    always: bool = False


@dataclass(frozen=True)
class Work:
    """One street's tickets, sorted by arrival.

    Attributes:
        arrive: arrival hour; key: queue priority (the deadline hour); grid: the worker whose grid it is
            (−1 for none); effort: hours of work; again_at: delay in hours after the first work is done
            before the ticket returns as new work (NaN when it does not: no return and no reopening);
        again_effort: hours of work on its return; patience: hours a ticket waits before it is
            abandoned (inf = never).
    """

    arrive: np.ndarray
    key: np.ndarray
    grid: np.ndarray
    effort: np.ndarray
    again_at: np.ndarray
    again_effort: np.ndarray
    patience: np.ndarray | None = None


@dataclass(frozen=True)
class WorkLog:
    """What the engine did. Per ticket: first start, last finish (NaN when unfinished), abandoned.
    Per worker: busy hours, on-shift hours and overtime hours. Per day: the queue at the day's start."""

    start: np.ndarray
    finish: np.ndarray
    abandoned: np.ndarray
    busy_h: np.ndarray
    shift_h: np.ndarray
    overtime_h: np.ndarray
    queue_at_day: np.ndarray
    events: int


class _Street:
    """Mutable state of the event loop (kept in one object so each step is a small method)."""

    def __init__(self, work: Work, active: np.ndarray, shifts: Shifts, speed: float):
        n, w = len(work.arrive), active.shape[0]
        self.work, self.active, self.shifts, self.speed = work, active, shifts, speed
        self.events: list = []
        self.seq = 0
        self.own: list[list] = [[] for _ in range(w)]
        self.pool: list = []
        self.taken = np.zeros(n + n, dtype=bool)  # second half: the tickets' second visits
        self.waiting = np.zeros(n + n, dtype=bool)  # in the queue (not in anyone's hands)
        self.remaining = np.concatenate([work.effort, work.again_effort]).astype(float)
        self.start = np.full(n, np.nan)
        self.finish = np.full(n, np.nan)
        self.abandoned = np.zeros(n, dtype=bool)
        self.patience = work.patience if work.patience is not None else np.full(n, INF)
        self.doing = [-1] * w  # job in hand (ticket id, +n for a second visit)
        self.began = [0.0] * w  # when the current stretch of work began
        self.token = [0] * w  # a FINISH event is valid only for the stretch that scheduled it
        self.on = [False] * w
        self.idle: set[int] = set()
        self.shift_end = INF if shifts.always else 0.0
        self.busy = np.zeros(w)
        self.shift_h = np.zeros(w)
        self.overtime = np.zeros(w)
        self.queued = 0
        self.n = n

    def push(self, t: float, kind: int, who: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, who))

    def enqueue(self, job: int) -> None:
        tid = job % self.n
        item = (self.work.key[tid], job)
        heapq.heappush(self.pool, item)
        g = self.work.grid[tid]
        if g >= 0:
            heapq.heappush(self.own[g], item)
        self.waiting[job] = True
        self.queued += 1

    def _peek(self, heap: list, t: float) -> tuple[float, int] | None:
        """The queue's most urgent job still waiting (dropping taken and abandoned ones), or None."""
        while heap:
            key, job = heap[0]
            if self.taken[job]:
                heapq.heappop(heap)
                continue
            tid = job % self.n
            if job < self.n and t - self.work.arrive[tid] > self.patience[tid]:
                heapq.heappop(heap)
                self.taken[job] = True
                self.waiting[job] = False
                self.abandoned[tid] = True
                self.queued -= 1
                continue
            return key, job
        return None

    def next_job(self, w: int, t: float) -> int:
        """A worker's next job: the most urgent of their own grid, unless a colleague's grid holds one
        due a day earlier (the street reassigns tickets heading for a yellow card), or their own is empty."""
        own = self._peek(self.own[w], t)
        pool = self._peek(self.pool, t)
        if own is not None and (pool is None or pool[0] >= own[0] - self.shifts.help_margin_h):
            return own[1]
        return pool[1] if pool is not None else -1

    def begin(self, w: int, job: int, t: float) -> None:
        self.taken[job] = True
        if self.waiting[job]:
            self.waiting[job] = False
            self.queued -= 1
        tid = job % self.n
        if job < self.n and np.isnan(self.start[tid]):
            self.start[tid] = t
        self.doing[w], self.began[w] = job, t
        self.idle.discard(w)
        self.token[w] += 1
        done = t + self.remaining[job] / self.speed
        if done <= self.shift_end:
            self.push(done, FINISH, (w, self.token[w]))

    def take_next(self, w: int, t: float) -> None:
        job = self.next_job(w, t)
        if job >= 0:
            self.begin(w, job, t)
        else:
            self.doing[w] = -1
            self.idle.add(w)

    def on_arrive(self, job: int, t: float) -> None:
        tid = job % self.n
        g = self.work.grid[tid]
        if g >= 0 and g in self.idle:
            self.begin(g, job, t)
        elif self.idle:
            self.begin(next(iter(self.idle)), job, t)
        else:
            self.enqueue(job)

    def on_finish(self, w: int, t: float) -> None:
        job = self.doing[w]
        self.busy[w] += t - self.began[w]
        self.remaining[job] = 0.0
        tid = job % self.n
        again = self.work.again_at[tid]
        if job < self.n and again == again:  # not NaN: the ticket comes back; it is not finished yet
            self.push(t + again, ARRIVE, job + self.n)
        else:
            self.finish[tid] = t
        self.take_next(w, t)

    def pause_all(self, t: float) -> None:
        for w in range(len(self.doing)):
            if not self.on[w]:
                continue
            job = self.doing[w]
            if job >= 0:
                worked = t - self.began[w]
                self.busy[w] += worked
                self.remaining[job] = max(self.remaining[job] - worked * self.speed, 0.0)
                self.began[w] = t
            self.on[w] = False
        self.idle.clear()


def _day_events(state: _Street, t: float, kind: int, day: int, log_queue: np.ndarray) -> None:
    sh = state.shifts
    if kind == DAY_START:
        log_queue[day] = state.queued
        state.shift_end = day * 24.0 + sh.end_h
        length = sh.end_h - sh.start_h
        today = state.active[:, day]
        for w in np.flatnonzero(~today):
            job = state.doing[int(w)]
            if job >= 0:  # off the roster: the work in hand goes back to the queue
                state.doing[int(w)] = -1
                state.taken[job] = False
                state.enqueue(job)
        for w in np.flatnonzero(today):
            w = int(w)
            state.on[w] = True
            state.shift_h[w] += length
            if state.doing[w] >= 0:
                state.begin(w, state.doing[w], t)
            else:
                state.take_next(w, t)
        return
    on = [w for w in range(len(state.on)) if state.on[w]]
    extra = 0.0
    if kind == DAY_END and on and sh.overtime_h > 0:
        # overtime grows with the queue, up to overtime_h once it reaches overtime_queue per worker
        extra = sh.overtime_h * min(1.0, state.queued / (sh.overtime_queue * len(on)))
    if extra > 0.05:
        state.shift_end = t + extra
        for w in on:
            state.overtime[w] += extra
            job = state.doing[w]
            if job >= 0:
                # the finish may now fall inside the longer shift
                state.remaining[job] -= (t - state.began[w]) * state.speed
                state.busy[w] += t - state.began[w]
                state.begin(w, job, t)
        state.push(state.shift_end, OT_END, day)
        return
    state.pause_all(t)


def run_street(work: Work, active: np.ndarray, shifts: Shifts, speed: float = 1.0) -> WorkLog:
    """Simulate one street.

    Args:
        work: the tickets (sorted by arrival).
        active: bool (workers × days): who is on the roster each day.
        shifts: shift hours and calendar.
        speed: hours of ticket work done per hour on shift (availability after meetings, travel, leave).

    Returns:
        WorkLog with per-ticket start/finish and per-worker hours.
    """
    if speed <= 0:
        raise ValueError("speed (availability) must be positive")
    state = _Street(work, active, shifts, speed)
    days = active.shape[1]
    queue_log = np.zeros(days)
    for i, t in enumerate(work.arrive):
        state.push(float(t), ARRIVE, i)
    if shifts.always:
        for w in range(active.shape[0]):
            state.on[w] = True
            state.idle.add(w)
    else:
        for d in np.flatnonzero(shifts.workday[:days]):
            state.push(d * 24.0 + shifts.start_h, DAY_START, int(d))
            state.push(d * 24.0 + shifts.end_h, DAY_END, int(d))
    count, doing = 0, state.doing
    while state.events:
        t, _, kind, who = heapq.heappop(state.events)
        count += 1
        if kind == ARRIVE:
            state.on_arrive(who, t)
        elif kind == FINISH:
            w, token = who
            if token == state.token[w] and doing[w] >= 0 and state.on[w]:
                state.on_finish(w, t)
        elif kind in (DAY_START, DAY_END):
            _day_events(state, t, kind, who, queue_log)
        else:  # OT_END
            state.pause_all(t)
    return WorkLog(state.start, state.finish, state.abandoned, state.busy, state.shift_h, state.overtime,
                   queue_log, count)
