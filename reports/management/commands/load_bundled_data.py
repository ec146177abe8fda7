from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reports import bundled


class Command(BaseCommand):
    help = "Load the bundled dataset of real figures (reports/data/) and publish it. Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--draft", action="store_true", help="Load new periods as drafts instead of publishing.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = bundled.load(publish=not options["draft"])
        for run in result.runs:
            self.stdout.write(f"{run.filename}: {run.outcome}: {run.message}")
        self.stdout.write(
            f"sources: {result.sources}; period details: {result.periods_updated} updated; "
            f"emergency disclosures: {result.disclosures_created} created, "
            f"{result.disclosures_updated} updated; statements and standards: {result.statements_created} created, "
            f"{result.statements_updated} updated; documents archived: {result.archived}; "
            f"chart readings: {result.chart_readings}; "
            f"company feeds created (disabled until staff enable them): {result.feeds_created}"
        )
        if result.failed:
            raise CommandError("; ".join(f"{run.filename}: {run.message}" for run in result.failed))
