"""benchmarks/content_api.py reads wrk's report correctly and never reports failed requests as speed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.infra.infra_files import ROOT

# wrk 4.1.0 output, recorded against a local server.
HEALTHY = """Running 1s test @ http://127.0.0.1:18999/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.24ms    2.78ms  24.23ms   80.11%
    Req/Sec   489.50    116.15   650.00     60.00%
  Latency Distribution
     50%    3.61ms
     75%    5.14ms
     90%    7.59ms
     99%   14.94ms
  489 requests in 1.00s, 3.19MB read
Requests/sec:    486.92
Transfer/sec:      3.18MB
"""
FAILING = """Running 2s test @ http://127.0.0.1:18999/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.79ms    2.83ms  35.11ms   91.65%
    Req/Sec     1.60k   508.91     2.59k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.89ms
     90%    4.17ms
     99%    1.20s
  3196 requests in 2.00s, 1.58MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 3196
Requests/sec:   1597.27
Transfer/sec:    811.11KB
"""


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("content_api_benchmark",
                                                  ROOT / "benchmarks" / "content_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_healthy_run_gives_throughput_and_percentiles_in_milliseconds(bench: ModuleType) -> None:
    result = bench.parse_wrk(HEALTHY)
    assert result.requests_per_second == pytest.approx(486.92)
    assert result.p50_ms == pytest.approx(3.61)
    assert result.p99_ms == pytest.approx(14.94)
    assert (result.requests, result.errors) == (489, 0)


def test_failed_requests_and_socket_errors_are_counted_and_units_converted(
        bench: ModuleType) -> None:
    result = bench.parse_wrk(FAILING)
    assert result.errors == 3196 + 3 + 2
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)


def test_unreadable_output_is_an_error_not_a_zero(bench: ModuleType) -> None:
    with pytest.raises(bench.BenchmarkError):
        bench.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_the_benchmark_stops_at_once_with_install_advice_when_wrk_is_missing(
        bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no wrk anywhere
    assert bench.main(["--duration", "1", "--rounds", "1", "--warmup", "1"]) == 1
    error = capsys.readouterr().err
    assert "wrk" in error and "apt-get install -y wrk" in error
