"""MemoryBoundedTaskRunner under the real Prefect API, with tasks that hold real memory.

Budgets are set relative to the RSS measured at the start of each test: the test
process already holds Prefect, the API client, numpy and whatever earlier tests left.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from prefect import flow, tags, task
from prefect.task_runners import ThreadPoolTaskRunner

from flows.runners import (
    MemoryBoundedTaskRunner,
    footprint_from_tags,
    parse_size,
    process_rss,
)

MIB = 1024**2
ARRAY_MIB = 200


# --- helpers -------------------------------------------------------------------------


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant (a stop at the same instant as a start closes first)."""
    events = sorted([(start, 1) for start, _ in spans] + [(stop, -1) for _, stop in spans])
    running = best = 0
    for _, step in events:
        running += step
        best = max(best, running)
    return best


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@contextmanager
def sampled_peak_rss(interval: float = 0.005) -> Iterator[list[int]]:
    """Sample this process's RSS in a background thread; yields a one-item list holding the peak."""
    peak = [process_rss()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process_rss())
            stop.wait(interval)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def runner_in_use() -> MemoryBoundedTaskRunner:
    """The flow run's own runner (the engine runs a duplicate of the one given to @flow)."""
    from prefect.context import FlowRunContext

    runner = FlowRunContext.get().task_runner
    assert isinstance(runner, MemoryBoundedTaskRunner)
    return runner


def settled_rss() -> int:
    gc.collect()
    return process_rss()


# --- tasks ---------------------------------------------------------------------------


@task(tags=[f"mem:{ARRAY_MIB}MiB"])
def hold_array(index: int, seconds: float = 0.8) -> tuple[int, float, float]:
    """Allocate 200 MiB with every page touched (np.ones), hold it, free it; return the span."""
    start = time.monotonic()
    block = np.ones(ARRAY_MIB * MIB // 8)
    time.sleep(seconds)
    assert block[-1] == 1.0
    del block
    return index, start, time.monotonic()


@task
def span(label: str, seconds: float) -> tuple[str, float, float]:
    start = time.monotonic()
    time.sleep(seconds)
    return label, start, time.monotonic()


def paired_span(barrier: threading.Barrier):
    """A span task whose runs wait for each other: two of them finish only if both ran at once."""

    @task(name="paired-span")
    def paired(label: str, seconds: float) -> tuple[str, float, float]:
        start = time.monotonic()
        barrier.wait()  # BrokenBarrierError after its timeout if the partner never started
        time.sleep(seconds)
        return label, start, time.monotonic()

    return paired


@task
def double(x: int) -> int:
    return 2 * x


@task
def add_all(values: list[int]) -> int:
    return sum(values)


@task
def explode(x: int) -> int:
    raise ValueError(f"boom {x}")


@task
async def async_double(x: int) -> int:
    await asyncio.sleep(0.01)
    return 2 * x


@flow
def warm_up() -> int:
    return double.submit(1).result()


@pytest.fixture(scope="module")
def warmed_up(prefect_api: None) -> None:
    """One flow run first, so the API client and lazy imports are in the baseline."""
    warm_up.with_options(task_runner=MemoryBoundedTaskRunner(memory_budget="64GiB"))()


@pytest.fixture
def base_rss(warmed_up: None) -> int:
    """RSS at the start of the test: what the process holds before the tasks run."""
    return settled_rss()


# --- memory bound --------------------------------------------------------------------


def test_six_arrays_with_room_for_two_run_two_at_a_time(base_rss: int) -> None:
    # Room for two 200 MiB tasks and 100 MiB for whatever the flow run itself adds;
    # a third task would need 200 MiB more, so it must wait.
    budget = base_rss + 2 * ARRAY_MIB * MIB + 100 * MIB
    runner = MemoryBoundedTaskRunner(max_workers=6, memory_budget=budget)

    @flow(task_runner=runner)
    def six_arrays() -> tuple[list[tuple[int, float, float]], int]:
        spans = hold_array.map(range(6), seconds=0.8).result()
        return spans, runner_in_use().max_running

    with sampled_peak_rss() as peak:
        spans, admitted_at_once = six_arrays()

    concurrency = max_overlap([(start, stop) for _, start, stop in spans])
    print(
        f"\n6 x {ARRAY_MIB} MiB, budget {budget / MIB:.0f} MiB (base {base_rss / MIB:.0f} MiB): "
        f"max concurrency {concurrency} (admitted at once {admitted_at_once}), "
        f"peak RSS {peak[0] / MIB:.0f} MiB"
    )
    assert sorted(index for index, _, _ in spans) == list(range(6))
    assert concurrency <= 2
    # Six threads were free: the bound comes from memory, and it is not stricter than it
    # has to be. (Counted at admission; the spans' overlap also shows 2 unless the machine
    # is so loaded that a task's start lags its partner's by the whole 0.8 s hold.)
    assert admitted_at_once == 2
    # Margin 50 MiB: the samples include what the budget cannot see at admission (thread
    # stacks, Prefect's per-run objects and logs, the allocator's own pages); it is a
    # quarter of one task, so a third array held at the same time would fail this.
    assert peak[0] <= budget + 50 * MIB


def test_a_task_bigger_than_the_budget_runs_alone_with_a_warning(
    base_rss: int, caplog: pytest.LogCaptureFixture
) -> None:
    budget = base_rss + 256 * MIB
    too_big = f"mem:{(budget + 1024 * MIB) // MIB}MiB"
    small = span.with_options(tags=["mem:32MiB"])
    pair = paired_span(threading.Barrier(2, timeout=10)).with_options(tags=["mem:32MiB"])
    big = span.with_options(name="too-big", tags=[too_big])

    @flow(task_runner=MemoryBoundedTaskRunner(max_workers=8, memory_budget=budget))
    def mixed() -> dict[str, tuple[float, float]]:
        futures = [pair.submit("s1", 0.2), pair.submit("s2", 0.2)]
        futures.append(big.submit("big", 0.3))
        futures += [small.submit("s3", 0.3), small.submit("s4", 0.3)]
        return {label: (start, stop) for label, start, stop in (f.result() for f in futures)}

    with caplog.at_level(logging.WARNING):
        spans = mixed()

    others = [label for label in spans if label != "big" and overlaps(spans[label], spans["big"])]
    assert others == []
    # The small ones before it ran together (they met at a barrier); the ones after it
    # waited for it.
    assert spans["s3"][0] >= spans["big"][1] and spans["s4"][0] >= spans["big"][1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'too-big'" in m and "more than the whole memory budget" in m for m in warnings)
    assert any("'too-big' runs alone" in m for m in warnings)


def test_tasks_start_in_submission_order_so_a_large_one_is_not_overtaken(base_rss: int) -> None:
    # 300 MiB of room: s1 + s2 (100 MiB each) fit together; "large" (250 MiB) needs
    # them gone. s3 and s4 (20 MiB) would fit beside s1 and s2, but they came later.
    budget = base_rss + 300 * MIB
    medium = paired_span(threading.Barrier(2, timeout=10)).with_options(tags=["mem:100MiB"])
    large = span.with_options(tags=["mem:250MiB"])
    tiny = span.with_options(tags=["mem:20MiB"])

    @flow(task_runner=MemoryBoundedTaskRunner(max_workers=8, memory_budget=budget))
    def queue() -> dict[str, tuple[float, float]]:
        futures = [medium.submit("s1", 0.3), medium.submit("s2", 0.3), large.submit("large", 0.2)]
        futures += [tiny.submit("s3", 0.1), tiny.submit("s4", 0.1)]
        return {label: (start, stop) for label, start, stop in (f.result() for f in futures)}

    spans = queue()  # s1 and s2 met at a barrier: they ran together
    medium_done = max(spans["s1"][1], spans["s2"][1])
    assert spans["large"][0] >= medium_done
    # Admitted after "large" (they may still start their bodies a moment before it does),
    # so not beside s1 and s2, where they would have fitted.
    assert spans["s3"][0] >= medium_done and spans["s4"][0] >= medium_done


def test_memory_held_outside_tasks_delays_admission_until_it_is_freed(base_rss: int) -> None:
    # "first" keeps running until the flow lets it go, so nothing finishes while "late"
    # waits: only the periodic re-check of RSS can let it in once the hog is freed.
    budget = base_rss + 150 * MIB
    first_started, let_first_go = threading.Event(), threading.Event()

    @task(tags=["mem:16MiB"])
    def first_task() -> tuple[float, float]:
        start = time.monotonic()
        first_started.set()
        let_first_go.wait(10)  # a timeout, not a deadlock, if "late" never gets in
        return start, time.monotonic()

    late = span.with_options(tags=["mem:16MiB"])

    @flow(task_runner=MemoryBoundedTaskRunner(max_workers=4, memory_budget=budget))
    def hog_then_free() -> tuple[tuple[float, float], tuple[str, float, float], float]:
        first = first_task.submit()
        assert first_started.wait(10)
        hog = np.ones(200 * MIB // 8)  # real RSS the ledger knows nothing about
        second = late.submit("late", 0.1)
        time.sleep(0.5)
        freed_at = time.monotonic()
        del hog
        late_span = second.result()
        let_first_go.set()
        return first.result(), late_span, freed_at

    (_, first_stop), (_, late_start, _), freed_at = hog_then_free()
    assert freed_at <= late_start < first_stop


# --- behaves like the thread pool ----------------------------------------------------


def runners() -> list[ThreadPoolTaskRunner]:
    return [
        ThreadPoolTaskRunner(max_workers=4),
        MemoryBoundedTaskRunner(max_workers=4, memory_budget="8GiB", default_task_memory="1MiB"),
    ]


@pytest.mark.parametrize("runner", runners(), ids=lambda r: type(r).__name__)
def test_results_map_and_wait_for_match_the_thread_pool(
    prefect_api: None, runner: ThreadPoolTaskRunner
) -> None:
    @flow(task_runner=runner)
    def pipeline() -> tuple[list[int], int, int, int]:
        doubled = double.map([1, 2, 3])
        total = add_all.submit(doubled)  # futures among the parameters
        after = double.submit(10, wait_for=[total])
        return doubled.result(), total.result(), after.result(), async_double.submit(4).result()

    assert pipeline() == ([2, 4, 6], 12, 20, 8)


@pytest.mark.parametrize("runner", runners(), ids=lambda r: type(r).__name__)
def test_exceptions_and_failed_states_match_the_thread_pool(
    prefect_api: None, runner: ThreadPoolTaskRunner
) -> None:
    @flow(task_runner=runner)
    def failing() -> dict[str, object]:
        future = explode.submit(7)
        with pytest.raises(ValueError, match="boom 7"):
            future.result()
        mapped = explode.map([1, 2])
        mapped.wait()
        downstream = double.submit(future)  # upstream failed: never runs
        downstream.wait()
        return {
            "state": future.state.type.value,
            "raise_on_failure_false": type(future.result(raise_on_failure=False)).__name__,
            "mapped": [f.state.type.value for f in mapped],
            "downstream": downstream.state.name,
        }

    assert failing() == {
        "state": "FAILED",
        "raise_on_failure_false": "ValueError",
        "mapped": ["FAILED", "FAILED"],
        "downstream": "NotReady",
    }

    @flow(task_runner=runner.duplicate())
    def returns_failed_future() -> object:
        return explode.submit(1)

    state = returns_failed_future(return_state=True)
    assert state.is_failed()
    with pytest.raises(ValueError, match="boom 1"):
        state.result()


def test_subflows_get_a_duplicate_with_the_same_bounds(prefect_api: None) -> None:
    runner = MemoryBoundedTaskRunner(
        max_workers=3, memory_budget="3GiB", default_task_memory="8MiB"
    )
    assert runner.duplicate() == runner
    assert pickle.loads(pickle.dumps(runner)) == runner
    seen: list[int] = []

    @flow(task_runner=runner)
    def child(x: int) -> int:
        from prefect.context import FlowRunContext

        inner = FlowRunContext.get().task_runner
        assert isinstance(inner, MemoryBoundedTaskRunner) and inner == runner
        seen.append(inner.memory_budget)
        return double.submit(x).result()

    @flow(task_runner=runner)
    def parent() -> int:
        return child(5) + double.submit(1).result()

    assert parent() == 12
    assert seen == [3 * 1024**3]


# --- declared footprints and sizes ---------------------------------------------------


def test_footprint_comes_from_mem_tags_with_options_and_tags_context() -> None:
    runner = MemoryBoundedTaskRunner(memory_budget="4GiB", default_task_memory="64MiB")
    assert runner.footprint(double) == 64 * MIB
    assert runner.footprint(hold_array) == ARRAY_MIB * MIB
    assert runner.footprint(double.with_options(tags=["mem:1GiB", "etl"])) == 1024 * MIB
    with tags("mem:1.5GB"):
        assert runner.footprint(double) == 1_500_000_000
        assert runner.footprint(hold_array) == 1_500_000_000  # the largest tag wins
    assert footprint_from_tags(["etl", "nightly"], default=7) == 7
    with pytest.raises(ValueError, match="bad task tag 'mem:lots'"):
        footprint_from_tags(["mem:lots"], default=0)


def test_mem_tags_stay_with_the_runner_and_other_tags_reach_prefect(prefect_api: None) -> None:
    """No task-run tag `mem:...`: Prefect would ask the server for a concurrency slot per run."""
    from prefect.client.orchestration import get_client
    from prefect.context import get_run_context

    @task(tags=["mem:64MiB", "etl"])
    def tagged() -> str:
        return str(get_run_context().task_run.id)

    @flow(task_runner=MemoryBoundedTaskRunner(max_workers=2, memory_budget="1GiB"))
    def tagging() -> list[str]:
        with tags("mem:128MiB", "nightly"):
            return [tagged.submit().result(), tagged.submit().result()]

    ids = tagging()
    with get_client(sync_client=True) as client:
        runs = [client.read_task_run(run_id) for run_id in ids]
    for run in runs:
        assert set(run.tags) == {"etl", "nightly"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2GiB", 2 * 1024**3),
        ("512MiB", 512 * MIB),
        ("1.5GB", 1_500_000_000),
        ("100 MB", 100_000_000),
        ("64kib", 64 * 1024),
        ("1TB", 10**12),
        ("1024", 1024),
        ("12B", 12),
        (1024, 1024),
        (0, 0),
    ],
)
def test_parse_size(text: int | str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2G", "unknown unit 'G'"),
        ("512 megs", "unknown unit 'megs'"),
        ("lots", "expected a number and a unit"),
        ("-1GiB", "expected a number and a unit"),
        ("", "expected a number and a unit"),
        (-5, "must not be negative"),
        (True, "must be bytes"),
        (1.5, "must be bytes"),
        (None, "must be bytes"),
    ],
)
def test_bad_sizes_raise_a_clear_value_error(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_size(bad)  # type: ignore[arg-type]


def test_runner_refuses_a_bad_budget() -> None:
    with pytest.raises(ValueError, match="memory_budget must be positive"):
        MemoryBoundedTaskRunner(memory_budget=0)
    with pytest.raises(ValueError, match="unknown unit 'G'"):
        MemoryBoundedTaskRunner(memory_budget="2G")
    with pytest.raises(ValueError, match="expected a number"):
        MemoryBoundedTaskRunner(memory_budget="2GiB", default_task_memory="some")
