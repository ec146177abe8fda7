"""Staff review of a chart reading that failed its checks: staff read the numbers off the image, the same
checks run on what they typed, and only then are the figures written and published (with history)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reports.importers import amazon_charts, charts
from reports.importers.base import DocumentError, FigureRecord
from reports.models import ChartReading, Figure
from reports.services import bump_generation

#: One row staff typed: the label as printed, its count, its share as printed ("" when none is printed).
TypedPart = tuple[str, int, str]


def check_typed(reading: ChartReading, *, parts: list[TypedPart], total: int | None) -> list[charts.Check]:
    """The checks an OCR reading passes, run on the numbers staff typed, plus agreement with the other chart
    of the same period and scope."""
    box = charts.Box(0, 0, 0, 0)
    typed = [charts.Part(label.strip(), count, Decimal(share) if share else None, box) for label, count, share in parts]
    checks = charts.check_donut(typed, total, [], amazon_charts.known_labels(reading.kind))
    for other in _siblings(reading):
        other_total = other.reading.get("total")
        same = total is not None and other_total == total
        detail = f"the {other.kind} chart on page {other.page} shows {other_total}; this one {total}"
        checks.append(charts.Check("same-total", same, detail))
    return checks


def publish_reading(
    *, reading: ChartReading, parts: list[TypedPart], total: int | None, user: AbstractBaseUser
) -> list[Figure]:
    """Write the figures staff read off the image, once every check passes; DocumentError lists what fails."""
    checks = check_typed(reading, parts=parts, total=total)
    failed = [check.detail for check in checks if not check.passed]
    if failed:
        raise DocumentError("the numbers do not pass the chart's checks: " + "; ".join(failed))
    if reading.period is None:
        raise DocumentError("this reading belongs to no reporting period")
    corrected = amazon_charts.staff_reading(
        parts,
        total,
        page=reading.page,
        name=reading.image_name,
        kind=reading.kind,
        scope=reading.period.scope,
        sha256=reading.image_sha256,
    )
    note = amazon_charts.staff_note(reading.page)
    reason = f"chart image on page {reading.page} read by staff ({user.get_username()})"
    with transaction.atomic():
        written = [
            _write(reading, record, note=note, reason=reason, user=user)
            for record in amazon_charts.figures_of(corrected, note=note)
        ]
        reading.status = ChartReading.Status.CORRECTED
        reading.reading = {**corrected.as_dict(), "ocr": reading.reading}
        reading.checks = [check.as_dict() for check in checks]
        reading.reviewed_by, reading.reviewed_at = user.get_username(), timezone.now()
        reading.save()
        bump_generation()
    return written


def _siblings(reading: ChartReading) -> list[ChartReading]:
    return list(ChartReading.objects.filter(period=reading.period).exclude(pk=reading.pk)) if reading.period_id else []


def _write(reading: ChartReading, record: FigureRecord, *, note: str, reason: str, user: AbstractBaseUser) -> Figure:
    figure, _ = Figure.objects.get_or_create(
        period=reading.period,
        jurisdiction=record.jurisdiction,
        request_type=record.request_type,
        measure=record.measure,
    )
    figure.value, figure.value_min, figure.value_max = record.value, None, None
    figure.note, figure.chart_image = note, reading.image_sha256
    figure._change_reason = reason  # type: ignore[attr-defined]
    figure._history_user = user  # type: ignore[attr-defined]
    figure.save()
    return figure
