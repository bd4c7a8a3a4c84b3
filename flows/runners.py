"""A thread-pool task runner that starts a task only when its memory fits.

Why: the system qaflow replaces ran its jobs on unbounded pools and died from
memory, not from CPU: ten shards that each build a 1 GB batch fit one at a
time and kill the machine all at once. A thread count does not bound that,
because tasks differ a thousandfold in what they hold. So each task declares
its footprint with a tag (`mem:512MiB`), and `MemoryBoundedTaskRunner` admits
a task only while the declared footprints and the memory the process really
holds stay inside a budget.

The admission rule (one ledger per runner, i.e. per flow run):

    projected = max(rss_now, baseline + reserved) + footprint
    admit while projected <= budget

- `rss_now` is the process's resident memory (tasks.memory), measured at admission.
- `reserved` is the sum of the footprints of this runner's running tasks.
- `baseline` is the process's RSS without those tasks: set to `rss_now` each
  time an admission happens while none of them runs, and lowered to
  `rss_now` whenever RSS is measured below it (a process never holds less
  than its baseline).

A running task's memory must not be counted twice: once in `rss_now`
(what it has already allocated) and again in `reserved` (what it declared).
It also must not be counted zero times: a task admitted a moment ago has
allocated nothing yet, so `rss_now` alone would let a burst of tasks in
before any of them grows. `baseline + reserved` counts every running task at
its full declared size, exactly once; taking the max with `rss_now` counts
what the declarations missed (a task holding more than it declared, results
kept by finished tasks, other runners in the same process). What the rule
cannot see is baseline growth during a busy stretch while running tasks have
not yet allocated; the baseline is re-measured every time the runner goes
idle, and that gap is what a budget's margin is for.

Order and progress: tickets are taken at `submit` (which returns a future at
once, like the thread pool); a task whose upstream futures (`wait_for`,
futures among its parameters) are done waits in the worker thread for its
turn, and only the oldest waiting ticket may start, so a large task is not
overtaken forever by small ones. The head is re-checked when a task finishes
and every `poll_interval` seconds (RSS moves on its own), on a Condition, not
in a busy loop. When nothing of this runner runs, the head always starts: a
task declared larger than the whole budget (or one that cannot fit beside the
process's own RSS) therefore runs alone, and a warning says so.

Everything else (futures, states, results, exceptions, `wait_for`, `.map`,
cancellation, pickling, `duplicate()` for subflows) is ThreadPoolTaskRunner's
own code. Limitation shared with the thread pool: a task that submits child
tasks to the same runner and blocks on them holds its reservation while the
children wait for memory; keep such children at the flow level.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from prefect.futures import PrefectConcurrentFuture, PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.collections import visit_collection

from tasks.memory import MIB, rss_mib

if TYPE_CHECKING:
    from prefect.client.schemas.objects import RunInput
    from prefect.tasks import Task

MEM_TAG_PREFIX = "mem:"

# Size units, as multipliers of one byte: SI (powers of 1000) and IEC (powers of 1024).
UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}

_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[a-zA-Z]*)\s*$")


def parse_size(value: int | str) -> int:
    """Bytes from an int or a string such as "2GiB", "512MiB", "1.5GB", "1024".

    Binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB, TB) units are both
    accepted, in any case; a bare number is bytes. Bare "K"/"M"/"G" are refused
    because they are ambiguous between the two.
    """
    if isinstance(value, bool):
        raise ValueError(f"memory size must be bytes or a string like '512MiB', not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"memory size must not be negative, got {value}")
        return value
    if not isinstance(value, str):
        raise ValueError(
            f"memory size must be bytes or a string like '512MiB', not {type(value).__name__}"
        )
    match = _SIZE.match(value)
    if not match:
        raise ValueError(
            f"invalid memory size {value!r}: expected a number and a unit, e.g. '512MiB'"
        )
    unit = match["unit"].lower() or "b"
    if unit not in UNITS:
        known = ", ".join(u[:-1].capitalize() + "B" for u in UNITS)
        raise ValueError(
            f"invalid memory size {value!r}: unknown unit {match['unit']!r} (use one of {known})"
        )
    size = float(match["number"]) * UNITS[unit]
    if not math.isfinite(size):
        raise ValueError(f"invalid memory size {value!r}: too large")
    return int(size)


def format_size(size: int) -> str:
    """A byte count for logs, in binary units."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(amount) < 1024:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TiB"


def footprint_from_tags(tags: Iterable[str], default: int) -> int:
    """The footprint a task declares with `mem:<size>` tags; the largest wins, none gives `default`."""
    sizes = []
    for tag in tags:
        if tag.startswith(MEM_TAG_PREFIX):
            try:
                sizes.append(parse_size(tag[len(MEM_TAG_PREFIX) :]))
            except ValueError as exc:
                raise ValueError(f"bad task tag {tag!r}: {exc}") from None
    return max(sizes) if sizes else default


def default_memory_budget() -> int:
    """80% of the memory this process may use: the machine's RAM or the cgroup limit, if lower."""
    limit = psutil.virtual_memory().total
    cgroup = Path("/sys/fs/cgroup/memory.max")
    try:
        text = cgroup.read_text().strip()
    except OSError:
        text = "max"
    if text.isdigit():
        limit = min(limit, int(text))
    return int(limit * 0.8)


def process_rss() -> int:
    """Resident memory of this process in bytes (the gate counts bytes; tasks.memory measures)."""
    return round(rss_mib() * MIB)


@dataclass
class Admission:
    """What the gate needs to know about one submitted task."""

    ticket: int
    footprint: int
    name: str
    logger: logging.Logger | logging.LoggerAdapter[Any]
    upstream: list[PrefectFuture[Any]] = field(default_factory=list)


class MemoryGate:
    """The ledger and the waiting room: admits tasks in ticket order while they fit the budget."""

    def __init__(
        self,
        budget: int,
        poll_interval: float = 0.2,
        rss: Callable[[], int] = process_rss,
    ) -> None:
        self.budget = budget
        self.poll_interval = poll_interval
        self._rss = rss
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._waiting: list[int] = []
        self._reserved = 0
        self._running = 0
        self._baseline = rss()
        self._closed = False
        self.max_running = 0

    def ticket(self) -> int:
        with self._cond:
            self._next_ticket += 1
            return self._next_ticket

    def run(
        self, admission: Admission, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Any:
        """Run `fn` in this worker thread once `admission` is let in; release its memory after."""
        for upstream in admission.upstream:
            upstream.wait()
        if not self._acquire(admission):
            raise concurrent.futures.CancelledError(
                f"task {admission.name!r} was cancelled before memory was granted"
            )
        try:
            return fn(*args, **kwargs)
        finally:
            self._release(admission)

    def close(self) -> None:
        """Let every waiting task go without running (the runner is shutting down)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _acquire(self, admission: Admission) -> bool:
        message = None
        told_waiting = False
        with self._cond:
            heapq.heappush(self._waiting, admission.ticket)
            try:
                while True:
                    if self._closed:
                        return False
                    is_head = self._waiting[0] == admission.ticket
                    if is_head:
                        verdict, message = self._verdict(admission)
                        if verdict:
                            break
                        if not told_waiting:
                            admission.logger.debug(message)
                            told_waiting = True
                    # Only the head re-measures RSS on a timer; the others sleep until an
                    # admission, a release or close() changes the queue (all notify_all).
                    self._cond.wait(self.poll_interval if is_head else None)
            finally:
                self._waiting.remove(admission.ticket)
                heapq.heapify(self._waiting)
            self._reserved += admission.footprint
            self._running += 1
            self.max_running = max(self.max_running, self._running)
            self._cond.notify_all()  # the next ticket may fit too
        if message:
            admission.logger.warning(message)
        return True

    def _verdict(self, admission: Admission) -> tuple[bool, str | None]:
        """(start now?, message): the admission rule of the module docstring. Caller holds the lock."""
        rss = self._rss()
        if self._running == 0:
            self._baseline = rss
        else:
            self._baseline = min(self._baseline, rss)
        projected = max(rss, self._baseline + self._reserved) + admission.footprint
        if projected <= self.budget:
            return True, None
        if self._running == 0:
            return True, (
                f"Task {admission.name!r} runs alone: its footprint "
                f"{format_size(admission.footprint)} and the process's RSS {format_size(rss)} "
                f"exceed the memory budget {format_size(self.budget)}"
            )
        return False, (
            f"Task {admission.name!r} waits for memory: {format_size(projected)} projected "
            f"> budget {format_size(self.budget)} ({self._running} running, "
            f"{format_size(self._reserved)} reserved, RSS {format_size(rss)})"
        )

    def _release(self, admission: Admission) -> None:
        with self._cond:
            self._reserved -= admission.footprint
            self._running -= 1
            self._cond.notify_all()


# The admission for the `submit` in progress on this thread: ThreadPoolTaskRunner.submit
# builds the future and hands the work to `self._executor.submit`, where it is picked up.
_pending = threading.local()


class _AdmittingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A thread pool whose work items first pass the memory gate, in their worker thread."""

    def __init__(self, gate: MemoryGate, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        admission: Admission | None = getattr(_pending, "admission", None)
        if admission is None:
            return super().submit(fn, *args, **kwargs)
        _pending.admission = None
        return super().submit(self.gate.run, admission, fn, *args, **kwargs)


def is_memory_tag(tag: str) -> bool:
    return tag.startswith(MEM_TAG_PREFIX)


@contextmanager
def _memory_tags_kept_here(task: Task[Any, Any]) -> Iterator[Task[Any, Any]]:
    """The task, and the tags context, without `mem:` tags: they are read by this runner only.

    Prefect treats every task-run tag as a possible concurrency-limit name and asks
    the server for a slot before the run starts; behind a server busy with the
    flow's own events that round trip cost the shards of a 1M-row run up to 2 s.
    """
    from prefect.context import TagsContext

    if any(is_memory_tag(tag) for tag in task.tags):
        task = task.with_options(tags=[tag for tag in task.tags if not is_memory_tag(tag)])
    around = TagsContext.get().current_tags or set()
    if not any(is_memory_tag(tag) for tag in around):
        yield task
        return
    with TagsContext(current_tags={tag for tag in around if not is_memory_tag(tag)}):
        yield task


class MemoryBoundedTaskRunner(ThreadPoolTaskRunner):
    """ThreadPoolTaskRunner that starts a task only when its declared memory fits the budget.

    Args:
        max_workers: threads, as for ThreadPoolTaskRunner.
        memory_budget: bytes or a size string ("2GiB", "1.5GB") the process's RSS plus the
            running tasks' footprints must stay within; default 80% of RAM (or of the cgroup limit).
        default_task_memory: footprint counted for a task without a `mem:<size>` tag.
        poll_interval: seconds between re-checks while a task waits (RSS changes on its own).

    Usage:
        @task(tags=["mem:512MiB"])
        def build_shard(...): ...

        @flow(task_runner=MemoryBoundedTaskRunner(max_workers=8, memory_budget="4GiB"))
        def job(): ...
    """

    def __init__(
        self,
        max_workers: int | None = None,
        memory_budget: int | str | None = None,
        default_task_memory: int | str = "64MiB",
        poll_interval: float = 0.2,
    ) -> None:
        super().__init__(max_workers=max_workers)
        self.memory_budget = (
            default_memory_budget() if memory_budget is None else parse_size(memory_budget)
        )
        if self.memory_budget <= 0:
            raise ValueError(f"memory_budget must be positive, got {memory_budget!r}")
        self.default_task_memory = parse_size(default_task_memory)
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval!r}")
        self.poll_interval = poll_interval
        self._gate: MemoryGate | None = None

    def duplicate(self) -> MemoryBoundedTaskRunner:
        return type(self)(
            max_workers=self._max_workers,
            memory_budget=self.memory_budget,
            default_task_memory=self.default_task_memory,
            poll_interval=self.poll_interval,
        )

    def footprint(self, task: Task[Any, Any]) -> int:
        """The task's declared footprint: its own tags plus those of `with tags(...)` around the call."""
        from prefect.context import TagsContext

        tags = set(task.tags) | set(TagsContext.get().current_tags or ())
        return footprint_from_tags(tags, self.default_task_memory)

    @property
    def max_running(self) -> int:
        """Most tasks this runner has had running at once (since it was entered)."""
        return self._gate.max_running if self._gate else 0

    def submit(
        self,
        task: Task[Any, Any],
        parameters: dict[str, Any],
        wait_for: Iterable[PrefectFuture[Any]] | None = None,
        dependencies: dict[str, set[RunInput]] | None = None,
    ) -> PrefectConcurrentFuture[Any]:
        if not self._started or self._gate is None:
            raise RuntimeError("Task runner is not started")
        from prefect.context import FlowRunContext
        from prefect.logging.loggers import get_run_logger

        flow_run_ctx = FlowRunContext.get()
        logger = get_run_logger(flow_run_ctx) if flow_run_ctx else self.logger
        footprint = self.footprint(task)
        if footprint > self.memory_budget:
            logger.warning(
                f"Task {task.name!r} declares {format_size(footprint)}, more than the whole "
                f"memory budget {format_size(self.memory_budget)}: it will wait until nothing "
                "else runs and then run alone"
            )
        wait_for = list(wait_for) if wait_for else None
        _pending.admission = Admission(
            ticket=self._gate.ticket(),
            footprint=footprint,
            name=task.name,
            logger=logger,
            upstream=_upstream_futures(parameters, wait_for),
        )
        try:
            with _memory_tags_kept_here(task) as plain:
                return super().submit(plain, parameters, wait_for, dependencies)
        finally:
            _pending.admission = None

    def cancel_all(self) -> None:
        if self._gate is not None:
            self._gate.close()
        super().cancel_all()

    def __enter__(self) -> MemoryBoundedTaskRunner:
        super().__enter__()
        # Swap the plain pool the parent made (it has no threads yet) for the gated one.
        assert self._executor is not None
        self._executor.shutdown()
        self._gate = MemoryGate(self.memory_budget, self.poll_interval)
        self._executor = _AdmittingExecutor(
            self._gate,
            max_workers=self._max_workers,
            initializer=self._register_worker_thread,
        )
        return self

    def __eq__(self, value: object) -> bool:
        return (
            isinstance(value, MemoryBoundedTaskRunner)
            and self._max_workers == value._max_workers
            and self.memory_budget == value.memory_budget
            and self.default_task_memory == value.default_task_memory
        )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_gate", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._gate = None


def _upstream_futures(
    parameters: dict[str, Any], wait_for: Iterable[PrefectFuture[Any]] | None
) -> list[PrefectFuture[Any]]:
    """Futures a task must see finished before it may claim memory (it would only hold it idle)."""
    found: list[PrefectFuture[Any]] = list(wait_for or ())

    def visit(expr: Any) -> None:
        if isinstance(expr, PrefectFuture):
            found.append(expr)

    visit_collection(parameters, visit_fn=visit, return_data=False)
    return found


def dask_runner(address: str | None, workers: int | None) -> Any:
    """A DaskTaskRunner for an existing cluster (`address`) or a LocalCluster of 1-thread workers.

    Workers on other machines need the output folder (and QAFLOW_HOME's pools, or
    they rebuild them) on a shared file system. Needs the dask extra (the flow's
    check_arguments says so before any work).
    """
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None})
