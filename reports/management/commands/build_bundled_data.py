from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reports import bundled
from reports.importers.base import DocumentError


class Command(BaseCommand):
    help = (
        "Parse every company document in ../shared/data/reports (and the transcribed copies) and write "
        "reports/data/figures.csv, periods.csv "
        "and the primary rows of sources.csv. Needs no database; the same documents give the same bytes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--shared-data", type=Path, default=None, help="The shared data folder (default: ../shared/data)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        shared_data = options["shared_data"] or bundled.default_shared_data()
        # pypdf logs every repaired cross-reference of the real PDFs; the figures are what matters here.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        try:
            result = bundled.build(shared_data=shared_data)
        except (DocumentError, FileNotFoundError) as error:
            raise CommandError(f"nothing was written: {error}") from error
        for item in result.documents:
            document = item.document
            self.stdout.write(
                f"{item.path.relative_to(shared_data)}: {document.format}, {len(document.periods)} periods, "
                f"{document.figure_count} figures"
            )
        for warning in result.warnings:
            self.stdout.write(f"  warning: {warning}")
        for line in result.unknowns:
            self.stdout.write(f"  not understood, not imported: {line}")
        for line in result.unknown_files:
            self.stdout.write(f"  file no importer knows, not imported: {line}")
        self.stdout.write(
            f"{len(result.documents)} documents: {result.figures} figures, {result.periods} period details, "
            f"{result.sources} sources written to {bundled.DATA_DIR}"
        )
