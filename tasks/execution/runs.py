"""A bdd run over several feature files, as one: its size, its merged result, and the
worst status of each requirement.

Each feature runs as its own task (tasks/execution/steps.py) and streams its results
to its own JSON-lines log; these functions read the logs back one scenario at a time,
so memory does not grow with the number of scenarios.
"""

from __future__ import annotations

from pathlib import Path

from tasks.execution.progress import PROGRESS
from tasks.execution.result_log import FAILURE_CAP, ResultIndex
from tasks.execution.results import RunResult, Totals
from tasks.execution.runner import plan_lazily

__all__ = ["STATUS_ORDER", "announce_scenarios", "count_scenarios", "fresh_run_folders", "merge_runs", "ran_requirements"]

# worst first: a requirement's status is the worst of its scenarios'
STATUS_ORDER = ("error", "failed", "unchecked", "skipped", "passed")


def count_scenarios(paths: list[str], tags: str | None) -> int:
    """How many scenarios (Outline rows expanded) a run will have, for progress bars."""
    return plan_lazily([Path(p) for p in paths], tags)[0] if paths else 0  # one file's scenarios at a time


def announce_scenarios(paths: list[str], tags: str | None) -> None:
    """Tell whoever draws the "execute" progress bar how many scenarios will run (the
    features are read for it only when someone listens)."""
    if PROGRESS.active:
        PROGRESS.emit("execute", total=count_scenarios(paths, tags))


def merge_runs(runs: list[RunResult], base_url: str, duration_s: float) -> RunResult:
    """One RunResult of the features' runs: their logs (in order) and summed totals when
    they streamed to disk, their scenarios otherwise."""
    started_at = min((r.started_at for r in runs if r.started_at), default="")
    if runs and all(r.logs for r in runs):
        counts = {k: sum(getattr(r.totals, k) for r in runs) for k in Totals.model_fields if k != "duration_s"}
        return RunResult(base_url=base_url, started_at=started_at, logs=[p for r in runs for p in r.logs],
                         failures=[f for r in runs for f in r.failures][:FAILURE_CAP],
                         totals=Totals(**counts, duration_s=round(duration_s, 3)))
    merged = RunResult(scenarios=[s for run in runs for s in run.scenarios], base_url=base_url, started_at=started_at)
    merged.recount(duration_s)
    return merged


def ran_requirements(run: RunResult) -> dict[str, str]:
    """Requirement id -> the worst status of its scenarios (streamed from the log of a big run)."""
    worst: dict[str, str] = {}
    for scenario in ResultIndex([Path(p) for p in run.logs]).scenarios() if run.logs else run.scenarios:
        for requirement in scenario.requirement_ids:
            known = worst.get(requirement)
            if known is None or STATUS_ORDER.index(scenario.status) < STATUS_ORDER.index(known):
                worst[requirement] = scenario.status
    return worst


def fresh_run_folders(out: Path) -> tuple[Path, Path]:
    """features/ and results/ under `out`, emptied of an earlier run's .feature files and
    results logs: only this run's features are executed and reported."""
    folders = out / "features", out / "results"
    for folder, pattern in zip(folders, ("*.feature", "*.jsonl"), strict=True):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(pattern):
            stale.unlink()
    return folders
