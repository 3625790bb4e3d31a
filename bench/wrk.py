"""Run wrk (Debian's `wrk` package) against a URL or a list of paths and read its
figures. wrk is C and keeps 16 to 64 connections busy on a fraction of one core; a
Python client on this two-core machine would measure itself, not the server."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept-Encoding"] = "gzip"})
end
"""


@dataclass
class Figures:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # connection errors, timeouts, and responses outside 2xx/3xx
    cpu_ms: float = 0.0  # the server's CPU per request, when the caller measures it

    def row(self):
        return (
            f"{self.rps:8.0f} req/s  p50 {self.p50_ms:6.1f} ms  "
            f"p99 {self.p99_ms:6.1f} ms"
        )


def available():
    return shutil.which("wrk") is not None


def _ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run(base_url, paths, seconds, connections, threads=2, timeout=None):
    """wrk for `seconds` over `paths` (round-robin) on `connections` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout or seconds + 60,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    return parse(out)


def parse(out):
    latency = dict(
        (p, _ms(v, u))
        for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s|m)", out)
    )
    requests = int(re.search(r"(\d+) requests in", out)[1])
    errors = sum(
        int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx[1]) if non_2xx else 0
    return Figures(
        requests=requests,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        p50_ms=latency.get("50", float("nan")),
        p99_ms=latency.get("99", float("nan")),
        errors=errors,
    )
