"""Benchmark: what the first render of a new filter state costs, in-process, split by the part of the code
that spent it (docs/load.md, "What a new filter state cost").

Usage: .venv/bin/python scripts/loadtest.py --modes busting --keep-database     (once: the scratch database)
       .venv/bin/python scripts/render_cost.py [--database-url postgresql://postgres@127.0.0.1:5432/dd_h_load]
                                               [--cache-url redis://127.0.0.1:6379/7] [--states 300]

Production settings, PostgreSQL with the bundled data, Redis as the cache (flushed first: use a database of
your own). The states are drawn as the load test's cache-busting mode draws them: each option of each filter of
four company pages and two request-type pages, one changed at a time, sampled in a fixed order. Each is
asked once through Django's test client (middleware, view, queries, templates, gzip: no network), so each is
a first render; its charts are built from the database unless another page's state shares them. CPU time
(``time.process_time``) is charged to the innermost measured part; PostgreSQL's own time is not in it.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Charges:
    """CPU time per part, each part charged only for what its measured callees did not spend."""

    def __init__(self) -> None:
        self.spent: collections.Counter[str] = collections.Counter()
        self._nested: list[float] = []

    def measured(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            self._nested.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - started
                self.spent[label] += elapsed - self._nested.pop()
                if self._nested:
                    self._nested[-1] += elapsed

        return wrapper

    def patch(self, owner: Any, name: str, label: str) -> None:
        setattr(owner, name, self.measured(label, getattr(owner, name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/dd_h_load")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7", help="a Redis database of your own")
    parser.add_argument("--states", type=int, default=300)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dd-render-cost-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="render-cost-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=args.database_url,
        CACHE_URL=args.cache_url,
        DATA_DEMANDS_VAR_DIR=str(scratch / "var"),
        MEDIA_ROOT=str(scratch / "media"),
        # The pages name their hashed static files: a manifest from the stylesheets and scripts is enough.
        STATIC_ROOT=str(scratch / "static"),
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db.backends import utils as db_utils
    from django.test import Client

    from dashboard import caching
    from dashboard.charts import frame, registry
    from dashboard.pages import views

    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    # The load test's own choice of states (its module has no side effect on import).
    sys.path.insert(0, str(ROOT / "scripts"))
    from loadtest import sample_filter_states

    rng = random.Random(1)  # noqa: S311  # nosec B311: the same states in every run, nothing secret
    plain = Client()
    chosen = sample_filter_states(lambda page: plain.get(page).content.decode(), rng, args.states)

    charges = Charges()
    for spec in registry.CHARTS.values():
        object.__setattr__(spec, "builder", charges.measured("chart builders (queries and Python)", spec.builder))
    charges.patch(frame.Chart, "prime", "the frames' panels (Chart.prime)")
    charges.patch(caching, "shared_set", "storing in the shared cache (shared_set)")
    charges.patch(caching, "shared_get", "reading the shared cache (shared_get)")
    charges.patch(views, "render", "page template")
    charges.patch(caching.gzip, "compress", "gzip")
    charges.patch(db_utils.CursorWrapper, "execute", "sending queries")
    ask = charges.measured("the rest (middleware, views, the client)", client.get)
    started, wall = time.process_time(), time.perf_counter()
    for url in chosen:
        if ask(url).status_code != 200:
            sys.exit(f"{url} did not answer 200")
    total, wall = time.process_time() - started, time.perf_counter() - wall
    count = len(chosen)
    each, each_wall = total / count * 1000, wall / count * 1000
    print(f"{count} first renders of filter states: {each:.1f} ms of CPU each, {each_wall:.1f} ms wall\n")
    print("| part of a first render | ms of CPU per state |\n|---|---:|")
    for label, spent in charges.spent.most_common():
        print(f"| {label} | {spent / count * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
