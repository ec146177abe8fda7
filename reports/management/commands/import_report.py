from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reports import importers, planning, services
from reports.models import ImportRun, SourceDocument
from reports.periods import period_label


class Command(BaseCommand):
    help = (
        "Import one local document through the same pipeline as a feed refresh (format detected unless "
        "--format is given) and print what it did. On failure: exits non-zero with the reason, nothing changed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="The document: a company's PDF, CSV or XLSX, or a figures.csv.")
        parser.add_argument("--format", choices=importers.FORMAT_MODULES, help="Skip detection: read it as this.")
        parser.add_argument(
            "--source-url",
            default="",
            help="Where the document was published (default: the company's transparency page + '#' + the file name).",
        )
        parser.add_argument("--publish", action="store_true", help="Publish new periods at once (default: draft).")
        parser.add_argument("--force", action="store_true", help="Import even if these exact bytes were before.")
        parser.add_argument(
            "--transcribed",
            action="store_true",
            help="The file is a third party's text copy of the company's file, not the company's own download: "
            "readers are told so, and the company's own file replaces it when imported.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        data = self._read(path)
        # pypdf logs every cross-reference it repairs; the run's own message is the one line that matters.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        run = services.import_document(
            data=data,
            filename=path.name,
            fmt=options["format"],
            source_url=options["source_url"],
            triggered_by="import_report",
            publish=options["publish"],
            force=options["force"],
            source_kind=SourceDocument.Kind.TRANSCRIBED if options["transcribed"] else SourceDocument.Kind.PRIMARY,
        )
        if run.outcome == ImportRun.Outcome.FAILED:
            raise CommandError(run.message.splitlines()[0] if run.message else f"{path.name}: the import failed")
        self._report(run, publish=options["publish"])

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > importers.MAX_DOCUMENT_BYTES:
                raise CommandError(
                    f"{path}: the document is {size:,} bytes, over the {importers.MAX_DOCUMENT_BYTES:,}-byte limit"
                )
            if not path.is_file():
                raise CommandError(f"{path}: not a file (import_report takes one document)")
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read it: {error.strerror or error}") from error

    def _report(self, run: ImportRun, *, publish: bool) -> None:
        write = self.stdout.write
        if run.outcome == ImportRun.Outcome.UNCHANGED:
            write(f"{run.filename}: unchanged: {run.message} (run {run.pk}); --force imports it again")
            return
        plan: planning.ImportPlan = run.plan  # type: ignore[attr-defined]
        write(f"{run.filename}: imported as {run.format} (run {run.pk})")
        if run.source:
            write(f"source: {run.source.title} <{run.source.url}>")
        new_periods = run.new_periods  # type: ignore[attr-defined]
        for key in plan.periods:
            company, scope, start, end = key
            state = f"new, {'published' if publish else 'draft'}" if key in new_periods else "existing"
            write(f"period: {company} {scope} {period_label(start, end)} ({start}..{end}): {state}")
        write(f"figures: {run.created} created, {run.updated} updated, {run.unchanged} unchanged")
        for change in plan.changes:
            if change.old:
                write(f"  changed: {change.period} {'/'.join(change.key)}: {change.old} → {change.new}")
        for warning in run.warnings:
            write(f"warning: {warning}")
        if run.unknowns:
            count = len(run.unknowns)
            write(f"not understood, not imported ({count}; teach the importer in the admin's Importer aliases):")
        for unknown in run.unknowns:
            detail = f" ({unknown['detail']})" if unknown.get("detail") else ""
            write(f"  unknown {unknown['kind']} at {unknown['place']}: {unknown['text']!r}{detail}")
