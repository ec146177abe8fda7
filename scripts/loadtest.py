"""Load test of the production stack on this machine; prints a Markdown table for docs/load.md.

Starts gunicorn with DJANGO_ENV=production (HTTPS redirect off: there is no TLS proxy here) on a
scratch PostgreSQL database with the bundled data, Redis as the cache and collectstatic into a
temporary STATIC_ROOT; warms it; then loads each route at a fixed rate with ``hey`` (-q per worker
x -c workers, -z duration): cached at a high rate, beside a hashed static file through the same gunicorn
(the floor: every cached row is also given as a ratio to it), then with the page cache off
(PAGE_CACHE_SECONDS=0, charts still built once per data generation) and cold (CHART_CACHE_SECONDS=0 too)
at 50/s. The cache-busting mode then asks thousands of distinct URLs at a fixed rate: random parameters on
cached pages (each must cost no render), and a few hundred distinct valid filter states (each renders once);
it counts the renders performed (new page copies in Redis) and the charts built.
Everything binds to 127.0.0.1, every step has a time limit, and everything started is stopped at the
end, also on Ctrl-C or an error.

    .venv/bin/python scripts/loadtest.py [--duration 10] [--cached-rate 1000] [--modes cached busting]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

#: The floor: a hashed static file through the same gunicorn (WhiteNoise); its path is found once collected.
STATIC_FILE = "css/site.css"
ROUTES = {
    "static file": "/static/" + STATIC_FILE,
    "home": "/",
    "company page": "/companies/amazon/",
    "embed": "/embed/company-requests?company=amazon",
    "figures CSV": "/data/figures.csv",
    "API list": "/api/v1/figures?company=ring",
}
#: Rates (cached, uncached) for routes whose responses are too big for the default ones: the whole
#: dataset is 8.8 MB, so 1,000/s would be 8.8 GB/s, and rebuilding it takes seconds.
RATE_CAPS = {"figures CSV": (20, 1)}
#: Whole runs never take longer than this, whatever happens.
DEADLINE_SECONDS = 25 * 60
MODES = ("cached", "page cache off", "cold", "busting")
#: Cached pages that random parameters are added to in the cache-busting mode.
BUSTED_PAGES = (
    "/",
    "/companies/amazon/",
    "/companies/google/",
    "/request-types/subpoena/",
    "/countries/DE/",
    "/emergency-disclosures/",
    "/embed/company-requests?company=amazon",
    "/charts/company-requests.csv?company=amazon",
)
#: The pages whose filters give the valid states of the cache-busting mode (their options, as a reader picks them).
FILTERED_PAGES = (
    "/companies/amazon/",
    "/companies/google/",
    "/companies/microsoft/",
    "/companies/meta/",
    "/request-types/subpoena/",
    "/request-types/search-warrant/",
)


@dataclass
class Result:
    route: str
    mode: str
    rate: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    responses: int
    errors: int
    size_bytes: int
    load_average: float
    #: CPU time gunicorn (master and workers) spent per response ("CPU ms/req"): what the cores must supply.
    server_cpu_ms: float = float("nan")
    #: Cache-busting mode: distinct URLs asked, pages rendered and charts built meanwhile.
    distinct: int = 0
    renders: int = 0
    chart_builds: int = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8160)
    # As in docker-compose.yml: threaded workers keep connections alive, sync ones close each.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (>1: the gthread worker)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per route and mode")
    parser.add_argument("--cached-rate", type=int, default=1000, help="requests/s against the warm cache")
    parser.add_argument("--uncached-rate", type=int, default=50, help="requests/s with the page cache off, and cold")
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432", help="server URL, no name")
    parser.add_argument("--database-name", type=database_name, default="dd_h_load", help="scratch database")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/6", help="a Redis database of your own")
    parser.add_argument("--routes", nargs="*", choices=list(ROUTES), default=list(ROUTES))
    parser.add_argument("--modes", nargs="*", choices=MODES, default=list(MODES))
    parser.add_argument("--random-urls", type=int, default=3000, help="cache-busting: distinct random-parameter URLs")
    parser.add_argument("--random-rate", type=int, default=200, help="cache-busting: requests/s of random parameters")
    parser.add_argument("--filter-states", type=int, default=300, help="cache-busting: distinct valid filter states")
    parser.add_argument("--busting-seconds", type=int, default=20, help="cache-busting: seconds of valid filter states")
    parser.add_argument("--keep-database", action="store_true", help="reuse the scratch database and keep it")
    parser.add_argument("--serve", type=int, metavar="SECONDS", help="only serve the warm stack this long (Lighthouse)")
    args = parser.parse_args()
    if not shutil.which("hey"):
        sys.exit("hey is not installed (apt-get install hey)")
    signal.signal(signal.SIGALRM, lambda *_: _abort("the whole run passed its deadline"))
    signal.alarm(DEADLINE_SECONDS)
    signal.signal(signal.SIGTERM, lambda *_: _abort("terminated"))
    signal.signal(signal.SIGINT, lambda *_: _abort("interrupted"))

    with Stack(args) as stack:
        stack.prepare()
        if args.serve:
            stack.start_server(page_cache_seconds=600, chart_cache_seconds=3600)
            print(f"serving {stack.base} for {args.serve} s", flush=True)
            time.sleep(args.serve)
            return 0
        results: list[Result] = []
        # "page cache off": every request renders its page, from charts built once per data generation
        # (what a page costs when its cached copy expired or its query string is new but its charts
        # are not); "cold": no cache at all, every chart built from the database on every request.
        modes = (
            ("cached", args.cached_rate, 600, 3600),
            ("page cache off", args.uncached_rate, 0, 3600),
            ("cold", args.uncached_rate, 0, 0),
        )
        routes = {name: stack.path(ROUTES[name]) for name in args.routes}
        for mode, rate, page_cache, chart_cache in modes:
            if mode not in args.modes:
                continue
            stack.start_server(page_cache_seconds=page_cache, chart_cache_seconds=chart_cache)
            stack.warm(routes.values())
            for name, path in routes.items():
                if name == "static file" and mode != "cached":
                    continue  # the floor: no cache is involved in serving it
                capped = min(rate, RATE_CAPS.get(name, (rate, rate))[0 if mode == "cached" else 1])
                results.append(stack.load(name, path, mode=mode, rate=capped, seconds=args.duration))
            stack.stop_server()
        if "busting" in args.modes:
            results += cache_busting(stack, args)
    print(table(results, args))
    return 0


def cache_busting(stack: Stack, args: argparse.Namespace) -> list[Result]:
    """Distinct URLs at a fixed rate on the production settings: random parameters on warm pages, then a few
    hundred valid filter states read from the pages' own filters."""
    stack.start_server(page_cache_seconds=600, chart_cache_seconds=3600)
    stack.warm(BUSTED_PAGES, burst=False)
    rng = random.Random(15)  # noqa: S311  # nosec B311: the same URLs in every run, nothing secret
    noisy = [random_parameters(BUSTED_PAGES[i % len(BUSTED_PAGES)], rng) for i in range(args.random_urls)]
    seconds = max(1, round(len(noisy) / args.random_rate))
    results = [stack.load_many("random parameters", noisy, rate=args.random_rate, seconds=seconds)]
    states = filter_states(stack, rng, args.filter_states)
    results.append(
        stack.load_many("valid filter states", states, rate=args.uncached_rate, seconds=args.busting_seconds)
    )
    stack.stop_server()
    return results


def random_parameters(path: str, rng: random.Random) -> str:
    """What link shorteners, social sites and hostile clients append: tracking tags and random names and values."""
    tags = [f"utm_source={rng.choice(['newsletter', 'twitter', 'rss'])}", f"fbclid=IwAR{rng.getrandbits(64):x}"]
    tags += [f"{rng.choice('abcxyz')}{rng.getrandbits(16):x}={rng.getrandbits(32):x}" for _ in range(rng.randint(1, 3))]
    rng.shuffle(tags)
    return f"{path}{'&' if '?' in path else '?'}{'&'.join(tags)}"


def filter_states(stack: Stack, rng: random.Random, count: int) -> list[str]:
    """``count`` distinct filter states of FILTERED_PAGES: each option of each filter their default state offers,
    as a reader picks one (the form submits on each change)."""
    return sample_filter_states(stack.get, rng, count)


def sample_filter_states(get: Callable[[str], str], rng: random.Random, count: int) -> list[str]:
    """The states of ``filter_states`` from pages fetched with ``get`` (scripts/render_cost.py asks in-process)."""
    states: set[str] = set()
    for page in FILTERED_PAGES:
        html = get(page)
        for name, block in re.findall(r'<select id="filter-[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
            states.update(f"{page}?{name}={value}" for value in re.findall(r'<option value="([^"]*)"', block))
    return rng.sample(sorted(states), min(count, len(states)))


def database_name(text: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", text):
        raise argparse.ArgumentTypeError("a database name: lower-case letters, digits and underscores")
    return text


def _abort(reason: str) -> None:
    raise SystemExit(f"load test stopped: {reason}")


class Stack:
    """The production stack on 127.0.0.1: scratch database, Redis cache, collected static files, gunicorn."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="dd-load-"))
        self.server: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{args.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))},
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"{args.database}/{args.database_name}",
            "CACHE_URL": args.cache_url,
            "DATA_DEMANDS_VAR_DIR": str(self.workdir / "var"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "STATIC_ROOT": str(self.workdir / "static"),
            "SITE_URL": self.base,
            "LOG_LEVEL": "WARNING",
        }

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_server()
        if not self.args.keep_database:
            self._psql(f'DROP DATABASE IF EXISTS "{self.args.database_name}"', check=False)
        self._flush_cache()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def prepare(self) -> None:
        self._flush_cache()
        commands = [["collectstatic", "--noinput"]]
        name = self.args.database_name  # an identifier: checked by database_name() when parsed
        exists = "1" in self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if not (self.args.keep_database and exists):
            step("scratch database, migrations, bundled data")
            self._psql(f'DROP DATABASE IF EXISTS "{self.args.database_name}"')
            self._psql(f'CREATE DATABASE "{self.args.database_name}"')
            commands = [["migrate", "--noinput"], ["load_bundled_data"], *commands]
        step("collectstatic")
        for command in commands:
            run([PYTHON, "manage.py", *command, "--verbosity", "0"], env=self.env, timeout=600)

    def start_server(self, *, page_cache_seconds: int, chart_cache_seconds: int) -> None:
        step(
            f"gunicorn: {self.args.workers} x {self.args.threads} threads, PAGE_CACHE_SECONDS={page_cache_seconds}, "
            f"CHART_CACHE_SECONDS={chart_cache_seconds}"
        )
        self.stop_server()
        self._flush_cache()
        env = {
            **self.env,
            "PAGE_CACHE_SECONDS": str(page_cache_seconds),
            "CHART_CACHE_SECONDS": str(chart_cache_seconds),
        }
        command = [GUNICORN, "dashboard.wsgi:application", "--bind", f"127.0.0.1:{self.args.port}"]
        command += ["--workers", str(self.args.workers), "--threads", str(self.args.threads)]
        command += ["--log-level", "warning", "--error-logfile", str(self.workdir / "gunicorn.log")]
        self.server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz within 60 s; see " + str(self.workdir / "gunicorn.log"))

    def stop_server(self) -> None:
        if self.server is None:
            return
        try:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)
        self.server = None

    def path(self, path: str) -> str:
        """The static file's hashed path, as the site's pages link it (from the collected manifest)."""
        if path != "/static/" + STATIC_FILE:
            return path
        manifest = json.loads((self.workdir / "static" / "staticfiles.json").read_text())
        return "/static/" + manifest["paths"][STATIC_FILE]

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:  # noqa: S310
            return str(response.read().decode())

    def warm(self, paths: Iterable[str], *, burst: bool = True) -> None:
        """Fill the caches, then a short burst so every worker thread has its connections open."""
        for path in paths:
            for _ in range(3):
                self.get(path)
            if burst:
                run(["hey", "-z", "2s", "-c", "20", "-q", "10", self.base + path], timeout=60)

    def load_many(self, name: str, paths: list[str], *, rate: int, seconds: int) -> Result:
        """Ask ``paths`` in turn at ``rate`` for ``seconds``, and count the pages rendered and charts built."""
        step(f"busting {name}: {len(set(paths))} distinct URLs, {rate}/s for {seconds} s")
        load_average = os.getloadavg()[0]
        cpu_before, pages_before, charts_before = self._server_cpu_seconds(), self._kept("page"), self._kept("chart")
        latencies, statuses, elapsed = fire(self.base, paths, rate=rate, seconds=seconds)
        latencies.sort()
        responses = len(latencies)
        result = Result(
            route=name,
            mode="cache-busting",
            rate=rate,
            requests_per_second=responses / elapsed,
            p50_ms=percentile(latencies, 50),
            p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99),
            responses=responses,
            errors=sum(count for status, count in statuses.items() if status != 200),
            size_bytes=0,
            load_average=load_average,
            distinct=len(set(paths[: int(rate * seconds)])),
            renders=self._kept("page") - pages_before,
            chart_builds=self._kept("chart") - charts_before,
        )
        if responses:
            result.server_cpu_ms = (self._server_cpu_seconds() - cpu_before) * 1000 / responses
        if result.errors:
            step(f"statuses: {statuses}")
        return result

    def _kept(self, kind: str) -> int:
        """How many pages (plain copies) or charts the cache holds: each new one is a render or a build."""
        match = re.match(r"redis://([^:/]+):(\d+)/(\d+)$", self.args.cache_url)
        if not match:
            return 0
        host, port, db = match.groups()
        pattern = ":1:page:*" if kind == "page" else ":1:kept:*:chart:*"
        keys = run(["redis-cli", "-h", host, "-p", port, "-n", db, "--scan", "--pattern", pattern], timeout=60)
        return sum(1 for key in keys.split() if not key.endswith(":gz"))

    def wire_bytes(self, path: str) -> int:
        """Bytes of one answer as a browser gets it (gzip accepted), as hey asks for it too."""
        request = urllib.request.Request(self.base + path, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return len(response.read())

    def load(self, name: str, path: str, *, mode: str, rate: int, seconds: int) -> Result:
        # hey -q is per worker and a worker waits for each answer, so slow answers would lower the rate
        # offered: many workers at a few requests/s each (up to 50 at 20/s for 1,000/s).
        workers = max(1, min(50, rate // 5))
        per_worker = max(1, rate // workers)
        step(f"{mode} {name}: {workers} x {per_worker}/s for {seconds} s  {path}")
        load_average = os.getloadavg()[0]
        cpu_before = self._server_cpu_seconds()
        command = ["hey", "-z", f"{seconds}s", "-c", str(workers), "-q", str(per_worker), "-t", "10", self.base + path]
        output = run(command, timeout=seconds + 60)
        if "Error distribution:" in output:
            step("hey reported errors:\n" + output.split("Error distribution:", 1)[1].strip()[:2000])
        result = parse_hey(output, route=name, mode=mode, rate=workers * per_worker, load_average=load_average)
        result.size_bytes = self.wire_bytes(path)
        if result.responses:
            result.server_cpu_ms = (self._server_cpu_seconds() - cpu_before) * 1000 / result.responses
        return result

    def _server_cpu_seconds(self) -> float:
        """User and system CPU time of gunicorn's master and workers so far, from /proc."""
        assert self.server is not None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.server.pid in (pid, ppid):
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def _psql(self, sql: str, *, check: bool = True) -> str:
        return run(["psql", self.args.database + "/postgres", "-qAtc", sql], timeout=60, check=check)

    def _flush_cache(self) -> None:
        match = re.match(r"redis://([^:/]+):(\d+)/(\d+)$", self.args.cache_url)
        if match:
            host, port, db = match.groups()
            run(["redis-cli", "-h", host, "-p", port, "-n", db, "FLUSHDB"], timeout=30, check=False)


def fire(base: str, paths: list[str], *, rate: int, seconds: int) -> tuple[list[float], dict[int, int], float]:
    """Open-loop load: request i is sent at i/rate seconds (or as soon as one of 64 threads is free), each thread
    on its own keep-alive connection, gzip accepted as browsers do. Returns the latencies (ms), the count of each
    status (0: no answer) and the seconds it took."""
    total = int(rate * seconds)
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock, next_index = threading.Lock(), iter(range(total))
    start = time.monotonic() + 0.5

    def worker() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            time.sleep(max(0.0, start + index / rate - time.monotonic()))
            sent = time.monotonic()
            try:
                connection.request("GET", paths[index % len(paths)], headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=10)
                status = 0
            with lock:
                latencies.append((time.monotonic() - sent) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return latencies, statuses, time.monotonic() - start


def percentile(ordered: list[float], share: int) -> float:
    return ordered[min(len(ordered) - 1, len(ordered) * share // 100)] if ordered else float("nan")


def run(command: list[str], *, env: dict[str, str] | None = None, timeout: int, check: bool = True) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def parse_hey(output: str, *, route: str, mode: str, rate: int, load_average: float) -> Result:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else float("nan")

    statuses = {int(code): int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", output)}
    error_block = output.split("Error distribution:", 1)[1] if "Error distribution:" in output else ""
    transport_errors = sum(int(count) for count in re.findall(r"\[(\d+)\]\s", error_block))
    non_200 = sum(count for code, count in statuses.items() if code != 200)
    return Result(
        route=route,
        mode=mode,
        rate=rate,
        requests_per_second=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=number(r"50%+ in ([\d.]+) secs") * 1000,
        p95_ms=number(r"95%+ in ([\d.]+) secs") * 1000,
        p99_ms=number(r"99%+ in ([\d.]+) secs") * 1000,
        responses=sum(statuses.values()),
        errors=non_200 + transport_errors,
        size_bytes=0,  # hey counts decompressed bodies as unknown; measured by Stack.wire_bytes
        load_average=load_average,
    )


def table(results: list[Result], args: argparse.Namespace) -> str:
    """The rows of hey's modes, cached ones as a ratio to the static file (req/s and CPU); then the cache-busting."""
    floor = next((r for r in results if r.route == "static file" and r.mode == "cached"), None)
    lines = [
        f"gunicorn {args.workers} workers x {args.threads} threads; {args.duration} s per row; "
        f"{os.cpu_count()} CPUs shared with other work; bytes as sent when gzip is accepted; "
        "load: the 1-minute load average before each row; vs static: req/s and CPU ms/req as a ratio to the "
        "static file's in the same run",
        "",
        "| route | mode | asked req/s | got req/s | p50 ms | p95 ms | p99 ms | errors | bytes | CPU ms/req "
        "| vs static (req/s, CPU) | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.mode == "cache-busting":
            continue
        ratio = (
            f"{r.requests_per_second / floor.requests_per_second:.2f}, {r.server_cpu_ms / floor.server_cpu_ms:.2f}"
            if floor and r.mode == "cached"
            else ""
        )
        lines.append(
            f"| {r.route} | {r.mode} | {r.rate} | {r.requests_per_second:.0f} | {ms(r.p50_ms)} | {ms(r.p95_ms)} "
            f"| {ms(r.p99_ms)} | {r.errors} | {r.size_bytes} | {ms(r.server_cpu_ms, 2)} | {ratio} "
            f"| {r.load_average:.1f} |"
        )
    busting = [r for r in results if r.mode == "cache-busting"]
    if busting:
        lines += [
            "",
            "| cache-busting | distinct URLs | asked req/s | got req/s | requests | pages rendered | charts built "
            "| p50 ms | p95 ms | p99 ms | errors | CPU ms/req | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r.route} | {r.distinct} | {r.rate} | {r.requests_per_second:.0f} | {r.responses} | {r.renders} "
            f"| {r.chart_builds} | {ms(r.p50_ms)} | {ms(r.p95_ms)} | {ms(r.p99_ms)} | {r.errors} "
            f"| {ms(r.server_cpu_ms, 2)} | {r.load_average:.1f} |"
            for r in busting
        ]
    return "\n".join(lines)


def ms(value: float, digits: int = 1) -> str:
    """A figure hey could not give (a percentile of ten requests) is a dash, not "nan"."""
    return "–" if value != value else f"{value:.{digits}f}"


def step(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
