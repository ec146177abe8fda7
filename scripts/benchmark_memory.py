"""Benchmark: peak memory of importing one large CSV into an empty SQLite database (in memory).

Usage: .venv/bin/python scripts/benchmark_memory.py [PATH]   (default: reports/data/figures.csv, 11.6 MB)

Prints the file's size, the process's peak resident memory before and after the import, and their ratio to
the file's size. The aim (docs/benchmarks.md): peak memory a small multiple of the file's size.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_DIR / "reports" / "data" / "figures.csv"
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings_test"
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from reports import services

    call_command("migrate", verbosity=0)
    data = path.read_bytes()
    before = peak_mb()
    started = time.perf_counter()
    run = services.import_document(data=data, filename=path.name, fmt="canonical_csv")
    seconds = time.perf_counter() - started
    after = peak_mb()
    size = len(data) / 1024 / 1024
    print(f"{path.name}: {size:.1f} MB, {run.created:,} figures created in {seconds:.1f} s ({run.outcome})")
    print(
        f"peak resident memory: {before:.0f} MB before, {after:.0f} MB after; the import added {after - before:.0f} MB"
    )
    print(f"= {(after - before) / size:.1f} times the file's size")
    return 0 if run.outcome == "succeeded" else 1


if __name__ == "__main__":
    raise SystemExit(main())
