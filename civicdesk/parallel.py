"""Where civicdesk's independent model fits run: on this machine, or on a Dask cluster.

The forecasts over series, the calibration's per-street fits and the plan's per-street searches are lists of
independent tasks. `run_parallel` is the one place that decides where they run:

- ``CIVICDESK_DASK_SCHEDULER=tcp://host:8786`` set: on that Dask cluster, through joblib's dask backend
  (every worker thread of the cluster; `n_jobs` is ignored). The workers need the civicdesk package installed.
- not set: here, in `n_jobs` processes (joblib's default backend, loky, or the one a caller's
  `joblib.parallel_config` chose), or one task after the other when `n_jobs` is 1.

Results come back in the order of the tasks, and every task's random numbers come from its own arguments
(a seed passed to it, never a generator shared between tasks), so the numbers are the same wherever the
tasks ran.

    run_parallel(fit_street, [(street, seed) for street in streets], n_jobs=2)
"""
from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits

SCHEDULER_ENV = "CIVICDESK_DASK_SCHEDULER"
#: Seconds to wait for the scheduler to answer, and then for at least one worker to join it.
CONNECT_TIMEOUT_S = 10


class SchedulerError(RuntimeError):
    """The Dask scheduler named in CIVICDESK_DASK_SCHEDULER cannot be used; the message says why and what to do."""


def scheduler_address() -> str | None:
    """The Dask scheduler the modelling runs on (CIVICDESK_DASK_SCHEDULER), or None to run on this machine."""
    value = os.environ.get(SCHEDULER_ENV, "").strip()
    return value or None


def _unusable(address: str, why: str) -> SchedulerError:
    return SchedulerError(f"{why} (the Dask scheduler {address!r} is set in {SCHEDULER_ENV}). Start a scheduler "
                          f"with `dask scheduler` and workers with `dask worker {address}`, correct the address, "
                          f"or unset {SCHEDULER_ENV} to run on this machine.")


@contextmanager
def _cluster(address: str):
    """A client of the scheduler at `address` with at least one worker, closed on exit."""
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port
    except ImportError as exc:
        raise _unusable(address, "the 'distributed' package is not installed") from exc
    try:  # a quick look first: a Client that fails to connect lingers and delays the interpreter's exit
        socket.create_connection(get_address_host_port(address), timeout=CONNECT_TIMEOUT_S).close()
    except (ValueError, OSError) as exc:
        raise _unusable(address, f"cannot connect to the Dask scheduler: {exc}") from exc
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - a bad address raises ValueError/TypeError, an absent one OSError
        raise _unusable(address, f"cannot connect to the Dask scheduler: {exc}") from exc
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - TimeoutError, or the scheduler went away
            raise _unusable(address, f"the Dask scheduler has no workers after {CONNECT_TIMEOUT_S} s") from exc
        yield client
    finally:
        client.close()


def run_parallel(func: Callable[..., Any], tasks: Iterable[Sequence], n_jobs: int = 1,
                 on_result: Callable[[int, Any], None] | None = None) -> list:
    """`func(*args)` for every `args` in `tasks`, on the Dask cluster or here (module docstring).

    Args:
        func: a module-level function (it is pickled by name for other processes); bind shared keyword
            arguments with `functools.partial`.
        tasks: one tuple of positional arguments per task.
        n_jobs: processes on this machine (-1: one per core; 1: in this process, one task after the other).
            Ignored on a Dask cluster.
        on_result: called with (index, result) as each result arrives, in the order of `tasks`
            (for progress reports).

    Returns:
        The results, in the order of `tasks`.

    Raises:
        SchedulerError: CIVICDESK_DASK_SCHEDULER is set but the scheduler cannot be reached or has no workers.
    """
    tasks = [tuple(args) for args in tasks]
    if not tasks:
        return []
    address = scheduler_address()
    if address is None and n_jobs == 1:
        # many small fits: one BLAS thread each, as in loky's and Dask's workers (two OpenBLAS threads on a
        # busy 2-core machine made a week's forecasts take 3-6 s instead of 0.4 s)
        with threadpool_limits(1, user_api="blas"):
            return _collect((func(*args) for args in tasks), on_result)
    calls = (delayed(func)(*args) for args in tasks)
    if address is None:
        return _collect(Parallel(n_jobs=n_jobs, return_as="generator")(calls), on_result)
    with _cluster(address) as client, parallel_config(backend="dask", client=client,
                                                      wait_for_workers_timeout=CONNECT_TIMEOUT_S):
        return _collect(Parallel(n_jobs=-1, return_as="generator")(calls), on_result)


def _collect(results: Iterable, on_result: Callable[[int, Any], None] | None) -> list:
    out = []
    for k, result in enumerate(results):
        out.append(result)
        if on_result is not None:
            on_result(k, result)
    return out
