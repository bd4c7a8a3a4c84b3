"""The in-flight limit: slow start while the threads wait on the network, back to the floor
while the client's own CPU is the limit; and a latency-bound run still reaches the full
concurrency asked for, measured at a real server."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from blocks.target_api import TargetAPI
from tasks.execution.runner import execute_features
from tasks.execution.throttle import BUSY, IDLE, Throttle


class Clocks:
    """A wall clock and a CPU clock the test moves by hand."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def spend(self, seconds: float, cores: float) -> None:
        self.wall += seconds
        self.cpu += seconds * cores


def throttle(ceiling: int, clocks: Clocks, floor: int = 2) -> Throttle:
    return Throttle(ceiling, floor=floor, window_s=0.05, clock=lambda: clocks.wall, cpu=lambda: clocks.cpu)


def test_a_waiting_run_doubles_up_to_its_concurrency():
    clocks = Clocks()
    limiter = throttle(8, clocks)
    assert limiter.limit == 2
    seen = []
    for _ in range(4):
        clocks.spend(0.05, IDLE / 4)
        seen.append(limiter.update())
    assert seen == [4, 8, 8, 8]
    assert limiter.highest == 8


def test_a_cpu_bound_run_halves_to_the_floor_and_stays():
    clocks = Clocks()
    limiter = throttle(16, clocks)
    clocks.spend(0.05, 0.0)
    assert limiter.update() == 4
    for expected in (2, 2, 2):
        clocks.spend(0.05, BUSY + 0.05)
        assert limiter.update() == expected


def test_between_idle_and_busy_it_adds_one_or_holds():
    clocks = Clocks()
    limiter = throttle(8, clocks)
    clocks.spend(0.05, (IDLE / 2 + IDLE) / 2)  # some waiting: one more
    assert limiter.update() == 3
    clocks.spend(0.05, (IDLE + BUSY) / 2)  # busy enough: hold
    assert limiter.update() == 3


def test_nothing_changes_inside_a_window():
    clocks = Clocks()
    limiter = throttle(8, clocks)
    clocks.spend(0.01, 0.0)
    assert limiter.update() == 2
    clocks.spend(0.045, 0.0)  # the window began 0.055 s ago
    assert limiter.update() == 4


@pytest.mark.parametrize(("ceiling", "floor", "start"), [(1, 2, 1), (8, 1, 1), (3, 8, 3)])
def test_floor_and_ceiling_bound_each_other(ceiling, floor, start):
    clocks = Clocks()
    limiter = throttle(ceiling, clocks, floor=floor)
    assert limiter.limit == start
    clocks.spend(0.05, BUSY * 2)
    assert limiter.update() == min(floor, ceiling)
    for _ in range(6):
        clocks.spend(0.05, 0.0)
        limiter.update()
    assert limiter.limit == ceiling


class SlowServer(ThreadingHTTPServer):
    """Answers every request after DELAY_S, and counts how many it held at once."""

    daemon_threads = True
    DELAY_S = 0.1

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SlowHandler)
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0


class SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlowServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.now += 1
            self.server.most = max(self.server.most, self.server.now)
        time.sleep(self.server.DELAY_S)
        with self.server.lock:
            self.server.now -= 1
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.mark.server
def test_a_latency_bound_run_reaches_its_full_concurrency(tmp_path):
    server = SlowServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scenarios = "".join(
        f'  Scenario: slow {i}\n    When I send a GET request to "/slow/{i}"\n    Then the response status should be 200\n\n'
        for i in range(40)
    )
    feature = tmp_path / "slow.feature"
    feature.write_text(f"Feature: a slow API\n\n{scenarios}", encoding="utf-8")
    try:
        started = time.perf_counter()
        result = execute_features(
            [feature], TargetAPI(base_url=f"http://127.0.0.1:{server.server_address[1]}", timeout=10), concurrency=8
        )
        seconds = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()
    assert result.totals.passed == 40
    assert server.most == 8, server.most
    # 40 requests of 0.1 s, 8 at a time, is 0.5 s; two at a time would be 2 s
    assert seconds < 1.5, seconds
