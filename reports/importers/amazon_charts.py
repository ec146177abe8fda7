"""Amazon's chart images (H2 2020 on): donuts by country of origin and by content, per scope, read by OCR.

The text layer says which charts there are, in order ("broken down by the country of origin" then the
captions "Amazon, Excluding AWS" and "AWS"; the same for content); the PDF's raster images on those pages
come in the same order. Each donut is read and checked (reports.importers.charts); the two donuts of a
scope must show the same total. A scope whose charts all pass gets their figures; any failure leaves that
scope's chart figures not reported and the period waiting for staff, with the reading kept for review.

Figures, each marked with the SHA-256 of the image it was read from:

- country donut: ``<ISO code>`` / ``all`` / ``requests`` per country, ``OTHER`` / ``all`` / ``requests`` for
  "Others" (every government not named: a remainder, not a country), ``WW`` / ``all`` / ``requests`` for
  the total in the middle;
- content donut: ``WW`` / ``all`` / ``content-disclosed``, ``non-content-disclosed`` and
  ``content-disclosed-pct`` (the share as printed).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from reports.importers import charts
from reports.importers.base import FigureRecord, ParsedDocument, PeriodRecord
from reports.importers.countries import country_code

#: The remainder a chart groups as "Others": every government it does not name (docs/data.md).
OTHERS = "OTHER"
_OTHERS_LABELS = frozenset({"other", "others"})
_CONTENT_LABELS = {
    "content": "content-disclosed",
    "content requests": "content-disclosed",
    "non-content": "non-content-disclosed",
    "non-content requests": "non-content-disclosed",
}
#: Images smaller than this (a logo) are not charts.
_MIN_SIDE = 200


def jurisdiction_of(label: str) -> str | None:
    """The jurisdiction a country donut's label stands for: an ISO code, OTHER, or None when unknown."""
    return OTHERS if label.casefold() in _OTHERS_LABELS else country_code(label)


def known_labels(kind: str) -> Callable[[str], bool]:
    if kind == "content":
        return lambda label: label.casefold() in _CONTENT_LABELS
    return lambda label: jurisdiction_of(label) is not None


def read_charts(document: ParsedDocument, data: bytes, slots: list[tuple[str, str, int]], *, filename: str) -> None:
    """Read every chart image the text announces into its period's figures; a failed reading leaves its
    figures not reported and is kept for staff review (document.charts)."""
    if not charts.ocr_available():
        document.warnings.append("chart images not read: the OCR engine (tesseract-ocr) is not installed")
        return
    document.ocr_engine = charts.engine_version()
    pages = {page for _, _, page in slots}
    images = [
        (page, name, png)
        for page, name, png in charts.page_images(data, filename=filename)
        if page in pages and _large_enough(png)
    ]
    if len(images) != len(slots):
        document.warnings.append(f"{len(slots)} charts announced in the text, {len(images)} chart images found")
        return
    readings: dict[str, list[charts.ChartReading]] = {}
    for (scope, kind, _), (page, name, png) in zip(slots, images, strict=True):
        reading = charts.read_donut(page, name, png, known=known_labels(kind))
        reading.kind, reading.scope = kind, scope
        readings.setdefault(scope, []).append(reading)
        document.charts.append(reading)
    periods = {period.scope: period for period in document.periods}
    for scope, scope_readings in readings.items():
        _apply(periods[scope], scope_readings, document)


def _large_enough(png: bytes) -> bool:
    return min(charts.image_size(png)) >= _MIN_SIDE


def _apply(period: PeriodRecord, readings: list[charts.ChartReading], document: ParsedDocument) -> None:
    """The figures of each chart that passes (the two of a scope must also agree on the total); a chart that
    fails keeps its slots not reported and says why."""
    # Two charts that each pass must show the same total; when one fails, staff's reading of it is checked
    # against the other's total on review (reports.chart_review).
    if len(readings) == 2 and all(reading.passed for reading in readings):
        agree = charts.check_totals_agree(readings[0], readings[1])
        for reading in readings:
            reading.checks.append(agree)
    for reading in readings:
        if reading.passed:
            _replace(period, figures_of(reading))
            continue
        reasons = "; ".join(check.detail for check in reading.failed_checks)
        document.warnings.append(
            f"{reading.place} ({period.scope}): the chart reading failed its checks ({reasons}); "
            "it waits for staff review"
        )
        _mark_slots(period, reading)


def staff_note(page: int) -> str:
    """How a figure staff read off a chart image (after OCR failed its checks) was obtained."""
    return (
        f"Read by staff from the chart image on page {page} of the report after OCR failed its checks, "
        "then checked: the parts add up to the total in its middle and each printed share matches its count."
    )


def staff_reading(
    parts: list[tuple[str, int, str]], total: int | None, *, page: int, name: str, kind: str, scope: str, sha256: str
) -> charts.ChartReading:
    """A reading from what staff typed (label, count, printed share or ""), for the same figures as OCR's."""
    box = charts.Box(0, 0, 0, 0)
    typed = [charts.Part(label.strip(), count, Decimal(share) if share else None, box) for label, count, share in parts]
    return charts.ChartReading(page, name, b"", typed, total, kind=kind, scope=scope, image_sha256=sha256)


def apply_staff_readings(document: ParsedDocument, corrected: dict[str, dict[str, Any]]) -> None:
    """Staff's reading of an image OCR cannot read outlives a re-import: {image SHA-256: stored reading}."""
    periods = {period.scope: period for period in document.periods}
    for reading in document.charts:
        stored = corrected.get(reading.sha256)
        if reading.passed or stored is None:
            continue
        parts = [(str(p["label"]), int(p["count"]), str(p["share"] or "")) for p in stored["parts"]]
        typed = staff_reading(
            parts,
            stored["total"],
            page=reading.page,
            name=reading.name,
            kind=reading.kind,
            scope=reading.scope,
            sha256=reading.sha256,
        )
        _replace(periods[reading.scope], figures_of(typed, note=staff_note(reading.page)))


def _note(reading: charts.ChartReading) -> str:
    return (
        f"Read by OCR from the chart image on page {reading.page} of the report and checked: the parts add up "
        f"to the total in its middle and each printed share matches its count."
    )


def figures_of(reading: charts.ChartReading, *, note: str = "") -> list[FigureRecord]:
    """The figures a passed (or staff-corrected) reading gives, each marked with its image."""
    note, image, location = note or _note(reading), reading.sha256, reading.place
    if reading.kind == "content":
        figures = [
            FigureRecord(
                "WW",
                "all",
                _CONTENT_LABELS[part.label.casefold()],
                Decimal(part.count),
                note=note,
                location=location,
                chart_image=image,
            )
            for part in reading.parts
        ]
        content = next(part for part in reading.parts if _CONTENT_LABELS[part.label.casefold()] == "content-disclosed")
        if content.share is not None:
            figures.append(
                FigureRecord(
                    "WW", "all", "content-disclosed-pct", content.share, note=note, location=location, chart_image=image
                )
            )
        return figures
    figures = [
        FigureRecord(
            jurisdiction_of(part.label) or "",
            "all",
            "requests",
            Decimal(part.count),
            note=note,
            location=location,
            chart_image=image,
        )
        for part in reading.parts
    ]
    assert reading.total is not None  # a passed reading has its total
    return [
        *figures,
        FigureRecord("WW", "all", "requests", Decimal(reading.total), note=note, location=location, chart_image=image),
    ]


def _replace(period: PeriodRecord, figures: list[FigureRecord]) -> None:
    """Put read figures in place of the text's not-reported slots with the same key."""
    keys = {figure.key for figure in figures}
    period.figures = [figure for figure in period.figures if figure.key not in keys] + figures


def _mark_slots(period: PeriodRecord, reading: charts.ChartReading) -> None:
    """The not-reported slots of a failed chart say why, and which image waits for staff."""
    note = "Drawn as an image in the report; its reading by OCR failed its checks and awaits staff review"
    measures = {
        "content": {"content-disclosed", "non-content-disclosed", "content-disclosed-pct"},
        "country": {"requests"},
    }[reading.kind]
    period.figures = [
        FigureRecord(
            f.jurisdiction, f.request_type, f.measure, note=note, location=reading.place, chart_image=reading.sha256
        )
        if f.measure in measures and f.jurisdiction in ("WW", "US") and not f.is_reported
        else f
        for f in period.figures
    ]
