"""Benchmark of an embedded chart: bytes a reader downloads, time to draw, latency under load.

Starts the production stack on this machine (gunicorn, DJANGO_ENV=production without the HTTPS
redirect, collectstatic's compressed files, a scratch SQLite database with the bundled data), then:

1. transfer size: everything an /embed/ page loads in a fresh headless Chromium (HTML, CSS, JS, as
   compressed on the wire: the Resource Timing API's transferSize), per resource;
2. time to draw: median (and min/max) over N loads of navigation start -> the plot's SVG in the DOM,
   with an empty HTTP cache (a reader's first embed) and with a warm one (the next article);
3. latency: p50/p95/p99 of /embed/<slug> at a fixed rate with ``hey``;
4. chart image: the first PNG (Chromium started by kaleido) and the next, from disk.

Everything binds to 127.0.0.1 and is stopped at the end. ``--write`` puts the result under the
"Embeds" heading of docs/benchmarks.md (other sections are left alone).

    .venv/bin/python scripts/benchmark_embeds.py [--loads 15] [--rate 100] [--duration 10] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
EMBED = "/embed/company-requests?company=amazon"
BUDGET_BYTES = 450 * 1024
DEADLINE_SECONDS = 15 * 60
#: Records when the plot's SVG enters the DOM, relative to navigation start (runs before any page script).
DRAWN_PROBE = """
new MutationObserver((changes, observer) => {
  if (document.querySelector('.chart-plot .main-svg')) {
    window.__drawnAt = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


@dataclass
class Report:
    resources: list[tuple[str, int, int]] = field(default_factory=list)  # (name, on the wire, decoded)
    cold_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    latency: dict[str, float] = field(default_factory=dict)
    png_first_s: float = 0.0
    png_next_ms: float = 0.0
    html_gzip: int = 0
    resize_script_gzip: int = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8142)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loads", type=int, default=15, help="page loads per draw-time median")
    parser.add_argument("--rate", type=int, default=100, help="requests per second for hey")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load")
    parser.add_argument("--write", action="store_true", help="update the Embeds section of docs/benchmarks.md")
    args = parser.parse_args()
    for tool in ("hey", CHROMIUM):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("the run passed its deadline"))
    signal.alarm(DEADLINE_SECONDS)

    with tempfile.TemporaryDirectory(prefix="dd-embeds-") as scratch:
        base = f"http://127.0.0.1:{args.port}"
        env = stack_env(Path(scratch), base)
        prepare(env)
        server = subprocess.Popen(  # noqa: S603 (our own fixed command)
            [GUNICORN, "dashboard.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers), "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(scratch) / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the directory)
            start_new_session=True,
        )
        try:
            wait_until_up(base + "/healthz")
            report = Report()
            measure_browser(base, args.loads, report)
            measure_latency(base, args.rate, args.duration, report)
            measure_png(base, report)
            report.html_gzip = gzipped_size(base + EMBED)
            report.resize_script_gzip = gzipped_size(base + "/static/js/embed-resize.js")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    text = markdown(report, args)
    print(text)
    if args.write:
        write_section(ROOT / "docs" / "benchmarks.md", "Embeds", text)
    return 0


def stack_env(scratch: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATA_DEMANDS_VAR_DIR=str(scratch / "var"),
        STATIC_ROOT=str(scratch / "static"),
        SITE_URL=base,
        LOG_LEVEL="WARNING",
    )
    return env


def prepare(env: dict[str, str]) -> None:
    for command in (["migrate", "-v0"], ["load_bundled_data"], ["collectstatic", "--noinput", "-v0"]):
        print(f"manage.py {' '.join(command)}", file=sys.stderr)
        subprocess.run(  # noqa: S603 (our own fixed command)
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=600, stdout=subprocess.DEVNULL
        )


def wait_until_up(url: str) -> None:
    for _ in range(60):
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own 127.0.0.1 server)
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the server did not answer at {url}")


def measure_browser(base: str, loads: int, report: Report) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            # Warm the server's page cache first: the reader's numbers, not the first render's.
            urllib.request.urlopen(base + EMBED, timeout=30).read()  # noqa: S310
            for number in range(loads):
                context = browser.new_context(viewport={"width": 680, "height": 800})
                context.add_init_script(DRAWN_PROBE)
                page = context.new_page()
                report.cold_ms.append(draw_time(page, base + EMBED))
                if number == 0:
                    report.resources = transfer_sizes(page)
                report.warm_ms.append(draw_time(page, base + EMBED))
                context.close()
        finally:
            browser.close()


def draw_time(page: Any, url: str) -> float:
    page.goto(url)
    page.wait_for_function("window.__drawnAt !== undefined", timeout=30000)
    return float(page.evaluate("window.__drawnAt"))


def transfer_sizes(page: Any) -> list[tuple[str, int, int]]:
    entries = page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
              .map(e => [e.name, e.transferSize, e.decodedBodySize])"""
    )
    # Inside an iframe, as embedded, no favicon is asked for; top-level it is (a 404 here).
    named = [(re.sub(r"^https?://[^/]+", "", name), int(wire), int(decoded)) for name, wire, decoded in entries]
    return [entry for entry in named if entry[0] != "/favicon.ico"]


def measure_latency(base: str, rate: int, duration: int, report: Report) -> None:
    workers = max(1, min(10, rate // 10))
    command = ["hey", "-z", f"{duration}s", "-c", str(workers), "-q", str(max(1, rate // workers)), base + EMBED]
    # hey from the PATH, checked at the start.
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)  # noqa: S603
    for percent in ("50", "95", "99"):
        match = re.search(rf"{percent}% in ([0-9.]+) secs", result.stdout)
        report.latency[f"p{percent}"] = float(match.group(1)) * 1000 if match else float("nan")
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", result.stdout)
    report.latency["rps"] = float(rps.group(1)) if rps else float("nan")
    codes = re.findall(r"\[(\d{3})\]\s+(\d+) responses", result.stdout)
    report.latency["non_200"] = sum(int(count) for code, count in codes if code != "200")


def gzipped_size(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return len(gzip.compress(response.read(), compresslevel=6))


def measure_png(base: str, report: Report) -> None:
    url = base + "/charts/company-requests.png?company=amazon"
    for attempt in range(2):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310
            response.read()
        elapsed = time.perf_counter() - started
        if attempt == 0:
            report.png_first_s = elapsed
        else:
            report.png_next_ms = elapsed * 1000


def markdown(report: Report, args: argparse.Namespace) -> str:
    wire = sum(size for _, size, _ in report.resources)
    decoded = sum(size for _, _, size in report.resources)
    load = os.getloadavg()[0]
    lines = [
        f"`scripts/benchmark_embeds.py` — {time.strftime('%Y-%m-%d')}, gunicorn × {args.workers} workers, "
        f"DJANGO_ENV=production, SQLite, bundled data, {os.cpu_count()} shared cores (load average {load:.1f}).",
        "",
        f"**Transfer size of `{EMBED}`**: {wire / 1024:.0f} KB on the wire ({decoded / 1024:.0f} KB decoded); "
        f"budget {BUDGET_BYTES // 1024} KB — {'within' if wire <= BUDGET_BYTES else 'OVER'}. "
        f"gunicorn sends the HTML uncompressed; a compressing proxy or CDN would send it in "
        f"{report.html_gzip / 1024:.1f} KB (gzip -6). The host page also loads `/static/js/embed-resize.js`: "
        f"{report.resize_script_gzip} bytes gzipped.",
        "",
        "| resource | on the wire (KB) | decoded (KB) |",
        "|---|---:|---:|",
        *(f"| `{name}` | {wire_ / 1024:.1f} | {size / 1024:.1f} |" for name, wire_, size in report.resources),
        "",
        f"**Time to draw** (navigation start → plot SVG in the DOM, headless Chromium, {len(report.cold_ms)} loads): "
        f"empty cache median {statistics.median(report.cold_ms):.0f} ms "
        f"(min {min(report.cold_ms):.0f}, max {max(report.cold_ms):.0f}); "
        f"warm cache median {statistics.median(report.warm_ms):.0f} ms "
        f"(min {min(report.warm_ms):.0f}, max {max(report.warm_ms):.0f}).",
        "",
        f"**Latency of `{EMBED}`** with `hey` at {args.rate} requests/s for {args.duration} s (page cache warm): "
        f"p50 {report.latency['p50']:.1f} ms, p95 {report.latency['p95']:.1f} ms, p99 {report.latency['p99']:.1f} ms; "
        f"{report.latency['rps']:.0f} requests/s served, {report.latency['non_200']:.0f} not 200.",
        "",
        f"**Chart PNG** (`/charts/company-requests.png?company=amazon`, 2400 × 1260): first request "
        f"{report.png_first_s:.1f} s (kaleido starts Chromium), next {report.png_next_ms:.0f} ms (from disk/cache).",
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace (or append) the ``## heading`` section of a Markdown file, leaving the others alone."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## {heading}\n\n{body}"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
