"""How many scenarios a run keeps in flight: up to its concurrency, fewer while more would
only slow it down.

Scenario threads share one interpreter, so the Python work of a run (HTTP client, steps,
results) uses at most about one core, whatever the number of threads. Against a remote
API the threads mostly wait on the network and each one adds throughput; against a fast
local one the client's own CPU is the limit, and each thread beyond two only adds
hand-overs of the interpreter lock. Measured with profiling/bench_bdd.py --scripted on
2 cores: 8 threads ran about 30% slower than 2, and each request cost ~2.3 ms of CPU
instead of ~1.6 ms.

So a run starts with `floor` scenarios in flight and looks at the process's CPU use over
each short window, as TCP's slow start looks at its acks: below IDLE / 2 of a core (the
threads mostly wait) it doubles them, below IDLE it adds one, at or above BUSY (the
client is the limit) it halves them, never below `floor` nor above the concurrency asked
for. A latency-bound run reaches its full concurrency within a few windows; a CPU-bound
one stays near the floor. Scenarios already running always finish; a lower limit only
holds back the next ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BUSY = 0.9   # share of one core: the client is CPU-bound, more threads cannot help
IDLE = 0.6   # below this the threads are waiting on the network: one more helps
WINDOW_S = 0.05


class Throttle:
    """The in-flight limit of one run, adjusted from the process's CPU use (see the module)."""

    def __init__(
        self,
        ceiling: int,
        *,
        floor: int = 2,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.perf_counter,
        cpu: Callable[[], float] = time.process_time,
    ) -> None:
        self.ceiling = max(1, ceiling)
        self.floor = max(1, min(floor, self.ceiling))
        self.limit = self.floor
        self.window_s = window_s
        self._clock, self._cpu = clock, cpu
        self._since, self._cpu_since = clock(), cpu()
        self.highest = self.limit  # the most it allowed: tests and the benchmark read it

    def update(self) -> int:
        """The limit now: unchanged until a window has passed, then adjusted once."""
        now = self._clock()
        elapsed = now - self._since
        if elapsed < self.window_s:
            return self.limit
        cpu = self._cpu()
        used = (cpu - self._cpu_since) / elapsed
        self._since, self._cpu_since = now, cpu
        if used >= BUSY:
            self.limit = max(self.floor, self.limit // 2)
        elif used < IDLE / 2:
            self.limit = min(self.ceiling, self.limit * 2)
        elif used < IDLE:
            self.limit = min(self.ceiling, self.limit + 1)
        self.highest = max(self.highest, self.limit)
        return self.limit
