"""Benchmark: import the whole of ../shared/data into an empty PostgreSQL database, then again.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python scripts/benchmark_import.py
       .venv/bin/python scripts/benchmark_import.py --bundled   (load_bundled_data into in-memory SQLite, twice)
       .venv/bin/python scripts/benchmark_import.py --ocr       (the OCR of every chart image, per image; no database)

It creates a scratch database (``dd_bench``, or ``--database``) on the server DATABASE_URL names, drops it
at the end, and prints documents, figures, seconds and figures per second for: a first import into the empty
database; a second, unchanged one as a refresh sees it (skipped by the payload's SHA-256); and a forced one
that parses and compares every figure again. The second and third runs must write no row.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"


@dataclass
class Pass:
    label: str
    documents: int
    figures: int
    seconds: float
    cpu: float
    created: int
    updated: int
    rows_written: int

    def line(self) -> str:
        rate = self.figures / self.seconds if self.seconds else 0.0
        return (
            f"| {self.label} | {self.documents} | {self.figures:,} | {self.seconds:.2f} | {self.cpu:.2f} | "
            f"{rate:,.0f} | "
            f"{self.created:,} | {self.updated:,} | {self.rows_written:,} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="dd_bench", help="scratch database to create and drop")
    parser.add_argument("--shared-data", type=Path, default=DEFAULT_SHARED_DATA)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--bundled", action="store_true", help="time the bundled dataset's load on SQLite instead")
    parser.add_argument("--ocr", action="store_true", help="time only the OCR of the chart images, per image")
    args = parser.parse_args()
    if args.bundled:
        return _bundled_on_sqlite()
    if args.ocr:
        return _ocr_cost(args.shared_data)
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL=postgresql://... (the server to create the scratch database on)")
    if not (args.shared_data / "reports").is_dir():
        sys.exit(f"no documents: {args.shared_data / 'reports'} is absent")
    scratch_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{args.database}"))
    _recreate(server_url, args.database)
    try:
        return _run(scratch_url, args.shared_data)
    finally:
        if not args.keep:
            _drop(server_url, args.database)


def _admin_connection(server_url: str) -> psycopg.Connection:

    return psycopg.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")), autocommit=True)


def _recreate(server_url: str, name: str) -> None:
    with _admin_connection(server_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop(server_url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection(server_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(scratch_url: str, shared_data: Path) -> int:
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    # Archived copies go to a throw-away media directory, not the project's var/.
    with tempfile.TemporaryDirectory(prefix="dd-bench-media-") as media:
        os.environ["MEDIA_ROOT"] = media
        return _run_in(scratch_url, shared_data)


def _run_in(scratch_url: str, shared_data: Path) -> int:
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from django.core.management import call_command

    from reports import bundled

    call_command("migrate", verbosity=0)
    documents = _recognised(shared_data, bundled.document_paths(shared_data))
    print(f"{len(documents)} documents, {sum(len(data) for _, data in documents):,} bytes, from {shared_data}")
    print(f"PostgreSQL scratch database {urlsplit(scratch_url).path.lstrip('/')}\n")
    first = _import_all(documents, "first import, empty database", force=False)
    passes = [
        first,
        _import_all(documents, "again, unchanged (SHA-256 skip)", force=False, figures=first.figures),
        _import_all(documents, "again, forced (parse and compare all)", force=True),
    ]
    print("| run | documents | figures | seconds | CPU seconds | figures/s | created | updated | rows written |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for item in passes:
        print(item.line())
    _ocr_cost(shared_data)
    failed = [p for p in passes[1:] if p.rows_written or p.created or p.updated]
    if failed:
        print("\nFAIL: an unchanged run wrote rows", file=sys.stderr)
    return (1 if failed else 0) or _editions(shared_data)


def _recognised(shared_data: Path, paths: list[Path]) -> list[tuple[Path, bytes]]:
    """The documents an importer recognises (a file none does is reported, as the build reports it)."""
    from reports import importers
    from reports.importers.base import DocumentError

    found = []
    for path in paths:
        data = path.read_bytes()
        try:
            importers.detect(data, filename=path.name)
        except DocumentError as error:
            print(f"not an importer's format, left out: {path.relative_to(shared_data)} ({error.message})")
            continue
        found.append((path, data))
    return found


def _editions(shared_data: Path) -> int:
    """The two-edition refresh: each superseded edition, then its newest one, on top of the imports above
    (which already hold the newest): rows written must equal the figures that changed."""
    from reports import services
    from reports.models import Figure

    pairs = []
    for folder in sorted((shared_data / "superseded").glob("*")):
        company = folder.name.split("-")[0]
        for old in sorted(folder.glob("*.csv")):
            new = shared_data / "reports" / company / old.name
            if new.is_file():
                pairs.append((old, new))
    history = Figure.history.model  # type: ignore[attr-defined]
    print("\n| two-edition refresh | documents | figures changed (created + updated) | figure rows written | seconds |")
    print("|---|---:|---:|---:|---:|")
    bad = 0
    for label, side in (("superseded edition over the newest", 0), ("newest edition again", 1)):
        before, changed = history.objects.count(), 0
        started = time.perf_counter()
        for pair in pairs:
            path = pair[side]
            run = services.import_document(
                data=path.read_bytes(), filename=path.name, triggered_by="benchmark", publish=True, force=True
            )
            changed += run.created + run.updated
        written = history.objects.count() - before
        bad += written != changed
        print(f"| {label} | {len(pairs)} | {changed:,} | {written:,} | {time.perf_counter() - started:.2f} |")
    return 1 if bad else 0


def _bundled_on_sqlite() -> int:
    """What the test fixture ``bundled_data`` and ``make run`` pay: reports/data loaded into an empty database."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings_test"  # SQLite in memory
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from reports import bundled

    call_command("migrate", verbosity=0)
    print("| load of reports/data, SQLite in memory | seconds | CPU seconds | figures created |")
    print("|---|---:|---:|---:|")
    for label in ("empty database", "again, unchanged"):
        started, cpu = time.perf_counter(), time.process_time()
        result = bundled.load()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {sum(run.created for run in result.runs):,} |")
    return 0


def _cpu_seconds() -> float:
    """CPU time of this process and of its PostgreSQL backend (same machine): the work done, whatever else
    shares the cores. Wall-clock seconds on a shared machine mostly measure the neighbours."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:  # the server runs elsewhere: count this process only
        backend = 0.0
    return time.process_time() + backend


def _row_count() -> int:
    """Rows of the published record and its history: every write of an import adds at least one."""
    from django.apps import apps

    names = ("Figure", "ReportingPeriod", "SourceDocument", "Company", "EmergencyDisclosure")
    models = [apps.get_model("reports", name) for name in names]
    models += [apps.get_model("reports", f"Historical{name}") for name in names if name != "Company"]
    return sum(model.objects.count() for model in models)


def _import_all(documents: list[tuple[Path, bytes]], label: str, *, force: bool, figures: int = 0) -> Pass:
    """Import every document once; a run skipped by its SHA-256 reads no figure, so ``figures`` says how many."""
    from reports import services
    from reports.models import ImportRun, SourceDocument

    before = _row_count()
    seen = created = updated = 0
    started, cpu = time.perf_counter(), _cpu_seconds()
    for path, data in documents:
        transcribed = "transcribed" in path.parts
        run = services.import_document(
            data=data,
            filename=path.name,
            triggered_by="benchmark",
            publish=True,
            force=force,
            source_kind=SourceDocument.Kind.TRANSCRIBED if transcribed else SourceDocument.Kind.PRIMARY,
        )
        if run.outcome == ImportRun.Outcome.FAILED:
            sys.exit(f"{path}: {run.message}")
        seen += run.created + run.updated + run.unchanged
        created, updated = created + run.created, updated + run.updated
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return Pass(label, len(documents), seen or figures, seconds, cpu, created, updated, _row_count() - before)


def _ocr_cost(shared_data: Path) -> int:
    """What reading the chart images costs: each image of each PDF report, read as its importer reads it (wall
    seconds, and CPU seconds of this process plus tesseract's, which runs as a child process), then the total."""
    sys.path.insert(0, str(PROJECT_DIR))
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from reports import importers
    from reports.importers import charts

    if not charts.ocr_available():
        sys.exit("tesseract is not installed (apt-get install tesseract-ocr)")
    timings: list[tuple[str, Any, float, float]] = []
    read_donut, current = charts.read_donut, [""]

    def timed(*args: Any, **kwargs: Any) -> Any:
        before, wall = os.times(), time.perf_counter()
        reading = read_donut(*args, **kwargs)
        after = os.times()
        timings.append((current[0], reading, time.perf_counter() - wall, sum(after[:4]) - sum(before[:4])))
        return reading

    charts.read_donut = timed  # the importer calls it through the module: every reading is timed
    started = time.perf_counter()
    for path in sorted((shared_data / "reports").glob("*/*.pdf")):
        current[0] = path.name
        importers.parse(path.read_bytes(), filename=path.name)
    documents_seconds = time.perf_counter() - started
    charts.read_donut = read_donut
    print(f"\nOCR of chart images with {charts.engine_version()}\n")
    print("| report | image | checks | reading used | seconds | CPU seconds (with tesseract) |")
    print("|---|---|---|---|---:|---:|")
    for name, reading, wall, cpu in timings:
        passed = "passed" if reading.passed else "failed: " + ", ".join(c.name for c in reading.failed_checks)
        print(f"| {name} | {reading.place} | {passed} | {reading.variant} | {wall:.2f} | {cpu:.2f} |")
    wall, cpu = sum(t[2] for t in timings), sum(t[3] for t in timings)
    print(f"| all | {len(timings)} images | | | {wall:.2f} | {cpu:.2f} |")
    print(f"\nEvery PDF report parsed, OCR included: {documents_seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
