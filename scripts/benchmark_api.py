"""Benchmark: latency of the JSON API and the figures download at a fixed request rate, with `hey`.

Usage:
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/dd_f1 .venv/bin/python scripts/benchmark_api.py --start
  .venv/bin/python scripts/benchmark_api.py --base-url http://127.0.0.1:8000   # a server already running

With ``--start`` it creates the database if absent, migrates, loads the bundled dataset (a no-op when it is
already loaded), and runs gunicorn on 127.0.0.1:8131 (2 sync workers, DJANGO_ENV=development with
DJANGO_DEBUG=false, the default local-memory cache per worker), then stops it. Every request goes to
127.0.0.1 only, at a bounded rate for a bounded time.

For each URL it times one cold request (the first after start: the response, or the file, is built), warms
the other workers' caches, then runs ``hey -z <duration> -c <workers> -q <rate per worker>`` and reports
p50 / p95 / p99 latency, the rate achieved and the status codes. ``--write`` puts the table under
"## API and downloads" in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = PROJECT_DIR / "docs" / "benchmarks.md"
HEADING = "## API and downloads"
HEY = shutil.which("hey") or ""


@dataclass(frozen=True)
class Scenario:
    path: str
    rate: int  # requests per second, in total
    workers: int


SCENARIOS = (
    Scenario("/api/v1/figures?company=amazon", rate=50, workers=5),
    Scenario("/api/v1/figures?company=amazon&request_type=subpoena,search-warrant&page_size=1000", rate=20, workers=4),
    Scenario("/data/figures.csv", rate=4, workers=2),
)


@dataclass
class Result:
    scenario: Scenario
    cold_seconds: float
    size: int
    rate: float
    p50: float
    p95: float
    p99: float
    statuses: str

    def row(self) -> str:
        return (
            f"| `{self.scenario.path}` | {self.size / 1024:,.0f} KB | {self.cold_seconds * 1000:,.0f} ms | "
            f"{self.scenario.rate} ({self.scenario.workers}) | {self.rate:.1f} | {_ms(self.p50)} | "
            f"{_ms(self.p95)} | {_ms(self.p99)} | {self.statuses} |"
        )


def _ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.1f}"  # NaN: hey printed no such percentile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", action="store_true", help="start gunicorn on 127.0.0.1 (needs DATABASE_URL)")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--base-url", help="benchmark a server already running instead")
    parser.add_argument("--duration", default="15s", help="how long hey runs per URL (hey -z)")
    parser.add_argument("--write", action="store_true", help=f"write the results under '{HEADING}' in docs/")
    args = parser.parse_args()
    if not HEY:
        sys.exit("hey is not installed (apt-get install hey)")
    if bool(args.start) == bool(args.base_url):
        sys.exit("give either --start or --base-url")
    base_url = args.base_url or f"http://127.0.0.1:{args.port}"
    if urlsplit(base_url).hostname not in ("127.0.0.1", "localhost"):
        sys.exit("benchmark only a local server (127.0.0.1)")
    server = _start(args.port) if args.start else None
    try:
        _wait_until_up(base_url)
        results = [_measure(base_url, scenario, args.duration) for scenario in SCENARIOS]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    table = _table(results, args.duration, started=args.start)
    print(table)
    if args.write:
        _write(table)
        print(f"written to {BENCHMARKS_MD.relative_to(PROJECT_DIR)}")
    return 0


def _start(port: int) -> subprocess.Popen[bytes]:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("--start needs DATABASE_URL=postgresql://...")
    _create_database(database_url)
    env = {**os.environ, "DJANGO_ENV": "development", "DJANGO_DEBUG": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py and wsgi.py choose dashboard.settings
    python = str(PROJECT_DIR / ".venv" / "bin" / "python")
    for command in (["migrate", "--noinput"], ["load_bundled_data"]):
        subprocess.run(  # noqa: S603 (fixed arguments, this project's own interpreter)
            [python, "manage.py", *command], cwd=PROJECT_DIR, env=env, check=True, stdout=subprocess.DEVNULL
        )
    gunicorn = str(PROJECT_DIR / ".venv" / "bin" / "gunicorn")
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [gunicorn, "dashboard.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"],
        cwd=PROJECT_DIR,
        env=env,
        stderr=subprocess.DEVNULL,
    )


def _create_database(database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    server = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')  # name comes from the operator's own DATABASE_URL


def _wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{base_url} did not answer /healthz within 60 s")
        time.sleep(0.5)


def _measure(base_url: str, scenario: Scenario, duration: str) -> Result:
    url = base_url + scenario.path
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (local URL)
        size = len(response.read())
    cold = time.perf_counter() - started
    # Each gunicorn worker has its own local-memory cache: warm them all before measuring the steady state.
    subprocess.run([HEY, "-n", "8", "-c", "4", "-t", "120", url], capture_output=True, check=True)  # noqa: S603
    per_worker = max(1, round(scenario.rate / scenario.workers))
    output = subprocess.run(  # noqa: S603 (a local URL of this script's own list)
        [HEY, "-z", duration, "-c", str(scenario.workers), "-q", str(per_worker), "-t", "60", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Result(scenario, cold, size, *_parse_hey(output))


def _parse_hey(output: str) -> tuple[float, float, float, float, str]:
    def percentile(p: int) -> float:
        match = re.search(rf"^\s*{p}%+ in ([0-9.]+) secs", output, re.MULTILINE)
        return float(match.group(1)) if match else float("nan")

    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    statuses = re.findall(r"\[(\d{3})\]\s+(\d+) responses", output)
    return (
        float(rate.group(1)) if rate else 0.0,
        percentile(50),
        percentile(95),
        percentile(99),
        ", ".join(f"{count}×{code}" for code, count in statuses) or "none",
    )


def _table(results: list[Result], duration: str, *, started: bool) -> str:
    server = (
        "gunicorn, 2 sync workers, DJANGO_DEBUG=false, PostgreSQL, local-memory cache per worker"
        if started
        else "a server already running"
    )
    lines = [
        HEADING,
        "",
        f"`scripts/benchmark_api.py`: {server}; the bundled dataset; `hey -z {duration}` at a fixed rate per URL, "
        f"after one cold request. {platform.node()}, {os.cpu_count()} cores shared with other work, "
        f"{time.strftime('%Y-%m-%d')}.",
        "",
        "The cold request builds the answer (API: a count and one page, about 4 queries; figures.csv: the whole file "
        "in one query, kept as bytes until the data generation changes); later ones come from the cache. "
        "Reproduce with `DATABASE_URL=postgresql://... .venv/bin/python scripts/benchmark_api.py --start --write`.",
        "",
        "| URL | size | cold request | rate asked (workers) | rate done (req/s) | p50 ms | p95 ms | p99 ms "
        "| statuses |",
        "|---|---|---|---|---|---|---|---|---|",
        *(result.row() for result in results),
        "",
    ]
    return "\n".join(lines)


def _write(table: str) -> None:
    """Replace this script's section of docs/benchmarks.md, leaving other sections alone."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    found = pattern.search(text)
    text = pattern.sub(lambda _: table + "\n", text) if found else text.rstrip("\n") + "\n\n" + table
    BENCHMARKS_MD.parent.mkdir(exist_ok=True)
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
