"""Measure MemoryBoundedTaskRunner: N tasks that each hold a real numpy array.

Prints the budget, the most tasks that ran at once (from the tasks' own start
and stop times) and the process's peak RSS sampled every 5 ms, beside the
same figures for a plain ThreadPoolTaskRunner with as many threads.

    .venv/bin/python profiling/bench_runner.py                 # 6 x 200 MiB, room for 2
    .venv/bin/python profiling/bench_runner.py --tasks 8 --fit 3 --mib 100

Runs on Prefect's ephemeral API unless PREFECT_API_URL points at a server.
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

import flows  # noqa: F401  (applies qaflow's offline/telemetry defaults before Prefect loads)
from flows.runners import MemoryBoundedTaskRunner, format_size, process_rss

MIB = 1024**2


def hold_array(index: int, mib: int, seconds: float) -> tuple[int, float, float]:
    """Allocate `mib` MiB and touch every page (np.ones), hold it, free it; return the span."""
    start = time.monotonic()
    block = np.ones(mib * MIB // 8)
    time.sleep(seconds)
    assert block[-1] == 1.0
    del block
    return index, start, time.monotonic()


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant (a stop at the same instant as a start closes first)."""
    events = sorted([(start, 1) for start, _ in spans] + [(stop, -1) for _, stop in spans])
    running = best = 0
    for _, step in events:
        running += step
        best = max(best, running)
    return best


class RssSampler:
    """Samples this process's RSS in a background thread; `.peak` is the highest seen."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = process_rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, process_rss())
            self._stop.wait(self.interval)

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, process_rss())


def run_once(runner, tasks: int, mib: int, seconds: float) -> tuple[int, int, float]:
    """(max concurrency, peak RSS, wall seconds) of one flow run with `runner`."""
    from prefect import flow, task

    hold = task(hold_array, name="hold-array", tags=[f"mem:{mib}MiB"])

    @flow(name="bench-memory-runner", task_runner=runner)
    def bench() -> list[tuple[int, float, float]]:
        return hold.map(range(tasks), mib=mib, seconds=seconds).result()

    gc.collect()
    started = time.perf_counter()
    with RssSampler().running() as sampler:
        spans = bench()
    wall = time.perf_counter() - started
    return max_overlap([(start, stop) for _, start, stop in spans]), sampler.peak, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--mib", type=int, default=200, help="array size per task, MiB")
    parser.add_argument("--fit", type=int, default=2, help="tasks the budget has room for")
    parser.add_argument("--seconds", type=float, default=0.6, help="how long each task holds")
    parser.add_argument("--slack-mib", type=int, default=100, help="budget room beyond the tasks")
    args = parser.parse_args()

    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    @flow(task_runner=MemoryBoundedTaskRunner(memory_budget="1GiB"))
    def warm_up() -> int:
        return task(lambda: 1, name="warm-up").submit().result()

    warm_up()  # first flow run pays for the API start and the imports
    gc.collect()
    base = process_rss()
    budget = base + args.fit * args.mib * MIB + args.slack_mib * MIB
    print(f"baseline RSS  {format_size(base)}")
    print(
        f"budget        {format_size(budget)} (baseline + {args.fit} x {args.mib} MiB "
        f"+ {args.slack_mib} MiB)"
    )
    runners = {
        "MemoryBoundedTaskRunner": MemoryBoundedTaskRunner(
            max_workers=args.tasks, memory_budget=budget
        ),
        "ThreadPoolTaskRunner": ThreadPoolTaskRunner(max_workers=args.tasks),
    }
    for name, runner in runners.items():
        concurrency, peak, wall = run_once(runner, args.tasks, args.mib, args.seconds)
        print(
            f"{name:<24} {args.tasks} x {args.mib} MiB: max concurrency {concurrency}, "
            f"peak RSS {format_size(peak)} (budget {'+' if peak > budget else '-'}"
            f"{format_size(abs(peak - budget))}), wall {wall:.2f} s"
        )


if __name__ == "__main__":
    main()
