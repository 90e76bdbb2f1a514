"""Analytic hotline queueing: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm) for staffing.

All functions take the offered traffic in Erlangs (arrival rate x mean handle time) and the number of
agents on the phones; `aht`, `target`/`target_time` and `patience` are in one common time unit (seconds
in practice). Everything is computed in log space or with the stable Erlang B recursion, so thousands of
agents work without overflow; no factorial is ever formed.

Formulas (the notes in HOTLINE_NOTES.md cite the sources):

- Erlang B: B(a, n) = P(N = n) / P(N <= n) for N ~ Poisson(a); recursion B(a, k) = a B(a, k-1) / (k + a B(a, k-1)).
- Erlang C: C = B / (1 - rho (1 - B)), rho = a / n; service level 1 - C exp(-(n - a) t / aht);
  average speed of answer C aht / (n - a).
- Erlang A: the birth-death chain with death rate min(k, n) mu + max(k - n, 0) theta, solved exactly
  (truncated where the tail is below e^-45 of the peak). A caller who finds i others queued is answered
  with probability n mu / (n mu + (i + 1) theta) and, if answered, after a hypoexponential wait with rates
  n mu + j theta, j = 1..i+1, whose CDF is the regularized incomplete beta I_{1-exp(-theta t)}(i+1, n mu/theta+1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betainc, gammaln, logsumexp, pdtr

#: States kept in the Erlang A chain at most (a longer chain means patience is absurdly long for the overload).
MAX_STATES = 5_000_000
_TAIL_LOG_DROP = 45.0


def _traffic(traffic: float) -> float:
    a = float(traffic)
    if not math.isfinite(a) or a < 0:
        raise ValueError(f"traffic must be a finite number of Erlangs >= 0, got {traffic!r}")
    return a


def _servers(servers) -> int:
    n = int(servers)
    if n != servers or n < 0:
        raise ValueError(f"servers must be a whole number of agents >= 0, got {servers!r}")
    return n


def _positive(value: float, name: str) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _non_negative(value: float, name: str) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _log_erlang_b(a: float, n: int) -> float:
    """log B(a, n) for a > 0, as log Poisson pmf - log Poisson cdf (recursion when the cdf underflows)."""
    cdf = float(pdtr(n, a))
    if cdf > 1e-250:
        return n * math.log(a) - a - float(gammaln(n + 1)) - math.log(cdf)
    b = 1.0  # n far below a: the recursion keeps b in (0, 1] and is exact enough
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return math.log(b)


def erlang_b(traffic: float, servers: int) -> float:
    """Blocking probability of the loss system M/M/n/n (Erlang B).

    Args:
        traffic: offered traffic in Erlangs.
        servers: number of lines/agents.

    Returns:
        The share of arrivals that find every server busy; 1.0 with no servers, 0.0 with no traffic.
    """
    a, n = _traffic(traffic), _servers(servers)
    if n == 0:
        return 1.0
    if a == 0:
        return 0.0
    return float(math.exp(_log_erlang_b(a, n)))


def _c_from_b(b: float, a: float, n: int) -> float:
    return b / (1.0 - (a / n) * (1.0 - b))


def erlang_c(traffic: float, servers: int) -> float:
    """Probability that an arrival has to wait in M/M/n (Erlang C).

    Returns:
        P(wait > 0); 1.0 when traffic >= servers (the queue grows without bound), 0.0 with no traffic.
    """
    a, n = _traffic(traffic), _servers(servers)
    if a == 0:
        return 0.0
    if a >= n:
        return 1.0
    return _c_from_b(erlang_b(a, n), a, n)


def service_level(traffic: float, servers: int, aht: float, target: float) -> float:
    """Share of calls answered within `target` in M/M/n: 1 - C exp(-(n - a) target / aht).

    Returns:
        A share in [0, 1]; 0.0 when traffic >= servers, 1.0 with no traffic.
    """
    a, n = _traffic(traffic), _servers(servers)
    aht, target = _positive(aht, "aht"), _non_negative(target, "target")
    if a == 0:
        return 1.0
    if a >= n:
        return 0.0
    return 1.0 - erlang_c(a, n) * math.exp(-(n - a) * target / aht)


def average_speed_of_answer(traffic: float, servers: int, aht: float) -> float:
    """Mean wait of all calls in M/M/n (ASA): C aht / (n - a); inf when traffic >= servers."""
    a, n = _traffic(traffic), _servers(servers)
    aht = _positive(aht, "aht")
    if a == 0:
        return 0.0
    if a >= n:
        return math.inf
    return erlang_c(a, n) * aht / (n - a)


def occupancy(traffic: float, servers: int) -> float:
    """Share of agent time spent on calls: min(1, traffic / servers) (0 without traffic)."""
    a, n = _traffic(traffic), _servers(servers)
    if a == 0:
        return 0.0
    return 1.0 if n == 0 else min(1.0, a / n)


def _check_targets(target_service_level: float, target_time: float, max_occupancy: float,
                   shrinkage: float) -> None:
    sl = float(target_service_level)
    if sl >= 1:
        raise ValueError(f"target_service_level {target_service_level!r} >= 1: a 100% service level cannot be "
                         "guaranteed by any finite number of agents (waits are random); use e.g. 0.8 or 0.95")
    if not 0 < sl:
        raise ValueError(f"target_service_level must be a share in (0, 1), got {target_service_level!r}")
    _non_negative(target_time, "target_time")
    if not 0 < float(max_occupancy) <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    if not 0 <= float(shrinkage) < 1:
        raise ValueError(f"shrinkage must be in [0, 1) (the share of paid time off the phones), got {shrinkage!r}")


def _rostered(agents: int, shrinkage: float) -> int:
    return int(math.ceil(agents / (1.0 - shrinkage) - 1e-9)) if agents else 0


def required_servers(traffic: float, aht: float, target_service_level: float, target_time: float,
                     max_occupancy: float = 1.0, shrinkage: float = 0.0, patience: float | None = None) -> int:
    """Agents to roster so that `target_service_level` of calls are answered within `target_time`.

    The smallest number n of agents on the phones with service level >= target and occupancy <= max_occupancy
    (Erlang C; Erlang A when `patience` is given), then divided by (1 - shrinkage) and rounded up.

    Args:
        traffic: offered traffic in Erlangs.
        aht: mean handle time (talk + hold + wrap-up).
        target_service_level: share in (0, 1), e.g. 0.8 for "80% in 20 s".
        target_time: the answer-time target, same unit as aht.
        max_occupancy: cap on traffic / agents, in (0, 1].
        shrinkage: share of rostered time not on the phones (breaks, training, absence), in [0, 1).
        patience: mean caller patience for Erlang A; None means callers never hang up (Erlang C).

    Returns:
        The rostered head count (0 when traffic is 0).

    Raises:
        ValueError: on negative traffic, non-positive aht, a target of 100% or more, shrinkage outside [0, 1).
    """
    a = _traffic(traffic)
    aht = _positive(aht, "aht")
    _check_targets(target_service_level, target_time, max_occupancy, shrinkage)
    if a == 0:
        return 0
    if patience is not None and math.isfinite(patience):
        n = _required_erlang_a(a, aht, target_service_level, target_time, float(patience), max_occupancy)
        return _rostered(n, shrinkage)
    n = max(math.floor(a) + 1, math.ceil(a / max_occupancy - 1e-9))
    b = erlang_b(a, n)
    while 1.0 - _c_from_b(b, a, n) * math.exp(-(n - a) * target_time / aht) < target_service_level:
        n += 1  # about sqrt(a) steps above the start: square-root staffing
        b = a * b / (n + a * b)
    return _rostered(n, shrinkage)


@dataclass(frozen=True)
class ErlangAResult:
    """Steady-state performance of M/M/n+M (Erlang A).

    Attributes:
        p_wait: probability an arrival finds all agents busy and has to wait.
        p_abandon: share of arrivals that hang up before being answered.
        asa: mean wait of all arrivals (abandoners count the time until they hung up) = E[queue] / arrival rate.
        mean_wait_served: mean wait of the answered calls.
        service_level: share of ALL arrivals answered within the target (abandoned calls count as missed,
            however early they hung up): the conservative convention.
        occupancy: mean share of agents busy.
    """

    p_wait: float
    p_abandon: float
    asa: float
    mean_wait_served: float
    service_level: float
    occupancy: float


def _log_weights(a: float, n: int, g: float) -> np.ndarray:
    """Unnormalised log stationary probabilities of states 0..n+m (g = theta/mu = aht/patience)."""
    k = np.arange(n + 1)
    low = k * math.log(a) - gammaln(k + 1)
    peak = max(0, math.ceil((a - n) / g))
    extra = 64
    while True:
        m = peak + extra
        if n + m > MAX_STATES:
            raise ValueError("patience is too long for this overload: the Erlang A queue would need more than "
                             f"{MAX_STATES:,} states; use Erlang C or a shorter patience")
        j = np.arange(1, m + 1)
        high = low[-1] + np.cumsum(math.log(a) - np.log(n + j * g))
        if high[-1] < max(high.max(), low.max()) - _TAIL_LOG_DROP:
            return np.concatenate([low, high])
        extra *= 2


def _erlang_a_limit_c(a: float, n: int, aht: float, target: float) -> ErlangAResult:
    if a >= n:
        return ErlangAResult(1.0, 0.0, math.inf, math.inf, 0.0, 1.0 if n else 0.0)
    asa = average_speed_of_answer(a, n, aht)
    return ErlangAResult(erlang_c(a, n), 0.0, asa, asa, service_level(a, n, aht, target), a / n)


def erlang_a(traffic: float, servers: int, aht: float, patience: float, target: float) -> ErlangAResult:
    """Exact M/M/n+M (Palm/Erlang A) performance: exponential patience with mean `patience`.

    Stable for any load (callers hang up), so traffic >= servers is fine. `patience=math.inf` gives Erlang C.

    Args:
        traffic: offered traffic in Erlangs.
        servers: agents on the phones.
        aht: mean handle time.
        patience: mean time a caller is willing to wait (same unit).
        target: answer-time target for the service level (same unit).

    Returns:
        An ErlangAResult; see its docstring for the definitions.
    """
    a, n = _traffic(traffic), _servers(servers)
    aht, target = _positive(aht, "aht"), _non_negative(target, "target")
    patience = float(patience)
    if math.isnan(patience) or patience <= 0:
        raise ValueError(f"patience must be > 0 (math.inf for callers who never hang up), got {patience!r}")
    if a == 0:
        return ErlangAResult(0.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    if math.isinf(patience):
        return _erlang_a_limit_c(a, n, aht, target)
    g = aht / patience
    logw = _log_weights(a, n, g)
    pi = np.exp(logw - logsumexp(logw))
    queue_pi = pi[n:]  # caller finds i = 0, 1, ... others waiting (PASTA)
    i = np.arange(queue_pi.size)
    mean_queue = float(i @ queue_pi)
    p_abandon = g * mean_queue / a
    busy = float(np.minimum(np.arange(pi.size), n) @ pi)
    p_served_i = n / (n + (i + 1) * g)
    wait_served_i = aht * np.cumsum(1.0 / (n + (i + 1) * g))
    answered = float(pi[:n].sum())
    if n > 0 and target > 0:
        within = betainc(i + 1.0, n / g + 1.0, -math.expm1(-target / patience))
        answered += float(queue_pi @ (p_served_i * within))
    served = max(1.0 - p_abandon, 1e-300)
    return ErlangAResult(
        p_wait=min(1.0, float(queue_pi.sum())), p_abandon=min(1.0, p_abandon), asa=mean_queue * aht / a,
        mean_wait_served=float(queue_pi @ (p_served_i * wait_served_i)) / served if n else math.nan,
        service_level=min(1.0, answered), occupancy=busy / n if n else 0.0)


def _required_erlang_a(a: float, aht: float, target_sl: float, target_time: float, patience: float,
                       max_occupancy: float) -> int:
    """Smallest n with Erlang A service level >= target and occupancy <= cap (bisection; both monotone in n)."""
    def ok(n: int) -> bool:
        res = erlang_a(a, n, aht, patience, target_time)
        return res.service_level >= target_sl and res.occupancy <= max_occupancy

    lo, hi = 0, max(1, math.ceil(a))
    while not ok(hi):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def interval_staffing(arrivals: pd.DataFrame, aht: float, target_service_level: float, target_time: float,
                      max_occupancy: float = 1.0, shrinkage: float = 0.0, patience: float | None = None,
                      interval_minutes: int = 30) -> pd.DataFrame:
    """Agents needed in each interval of an arrival forecast (Erlang C, or Erlang A when `patience` is given).

    Args:
        arrivals: DataFrame with `ds` (interval start) and `calls` (expected arrivals in the interval);
            other columns are carried through.
        aht: mean handle time in seconds.
        target_service_level: e.g. 0.8.
        target_time: answer-time target in seconds, e.g. 20.
        max_occupancy: cap on agent occupancy.
        shrinkage: share of rostered time off the phones.
        patience: mean caller patience in seconds (None: callers never hang up).
        interval_minutes: length of an interval.

    Returns:
        The input columns plus traffic (Erlangs), agents (on the phones), rostered (after shrinkage),
        service_level, asa (mean wait of all calls, seconds), occupancy and, with patience, p_abandon.
    """
    missing = {"ds", "calls"} - set(arrivals.columns)
    if missing:
        raise ValueError(f"arrivals is missing column(s) {sorted(missing)}; expected ds and calls")
    calls = pd.to_numeric(arrivals["calls"], errors="coerce")
    if calls.isna().any() or (calls < 0).any():
        raise ValueError("arrivals['calls'] must be numbers >= 0 (no blanks)")
    aht = _positive(aht, "aht")
    _check_targets(target_service_level, target_time, max_occupancy, shrinkage)
    seconds = _positive(interval_minutes, "interval_minutes") * 60.0
    cache: dict[float, tuple] = {}
    for c in calls.unique():
        cache[c] = _size_interval(c * aht / seconds, aht, target_service_level, target_time, max_occupancy,
                                  patience)
    out = arrivals.copy()
    out["calls"] = calls
    out["traffic"] = calls * aht / seconds
    cols = ["agents", "service_level", "asa", "occupancy", "p_abandon"]
    for pos, col in enumerate(cols[: 5 if patience is not None else 4]):
        out[col] = calls.map(lambda c, p=pos: cache[c][p])
    out["agents"] = out["agents"].astype(int)
    out.insert(out.columns.get_loc("agents") + 1, "rostered",
               out["agents"].map(lambda n: _rostered(int(n), shrinkage)).astype(int))
    return out


def _size_interval(a: float, aht: float, sl: float, t: float, max_occ: float, patience: float | None) -> tuple:
    n = required_servers(a, aht, sl, t, max_occ, 0.0, patience)
    if patience is None:
        return n, service_level(a, n, aht, t), average_speed_of_answer(a, n, aht), occupancy(a, n), 0.0
    res = erlang_a(a, n, aht, patience, t)
    return n, res.service_level, res.asa, res.occupancy, res.p_abandon
