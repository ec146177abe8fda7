"""Planning an import, read-only: what applying a parsed document would change, figure by figure. The staff
preview shows the plan; ``reports.services.import_document`` applies it. Also: which source outranks which,
and what staff taught the importers (aliases)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from reports import importers
from reports.importers.base import FigureRecord, ParsedDocument, PeriodRecord
from reports.models import (
    Figure,
    ImporterAlias,
    ReportingPeriod,
    SourceDocument,
)

#: Formats whose rows name their own sources: the file itself is not archived as a source.
SELF_SOURCED_FORMATS = frozenset({"canonical_csv"})
FIGURE_FIELDS = ("value", "value_min", "value_max", "note", "chart_image")
PeriodKey = tuple[str, str, dt.date, dt.date]
FigureKey = tuple[str, str, str]


# --- Planning an import (read-only: also the staff preview) -------------------------------------


@dataclass
class FigureChange:
    period: str
    key: FigureKey
    old: str
    new: str


@dataclass
class ImportPlan:
    """What applying a parsed document would change, figure by figure."""

    document: ParsedDocument
    periods: dict[PeriodKey, ReportingPeriod | None]
    creates: list[tuple[PeriodRecord, FigureRecord]] = field(default_factory=list)
    updates: list[tuple[Figure, FigureRecord]] = field(default_factory=list)
    unchanged: int = 0
    #: Figures staff entered that the document leaves "not reported": kept, never blanked.
    kept: int = 0
    changes: list[FigureChange] = field(default_factory=list)
    #: The kind of document the figures come from; a transcribed copy never overrides the company's own file.
    source_kind: str = SourceDocument.Kind.PRIMARY
    #: Figures the document does not give, in periods whose document it takes over: they keep citing the document
    #: they came from, now by name (each is an update with history, counted with the changes).
    recited: int = 0
    #: Figures a lesser source gives differently from the better one they cite (kept as they are).
    disagreements: list[str] = field(default_factory=list)
    #: For documents whose rows name their sources (canonical CSV): each source URL's kind.
    kinds_by_url: dict[str, str] = field(default_factory=dict)

    def kind_of(self, record: PeriodRecord, figure: FigureRecord) -> str:
        """The kind of source this figure of the document comes from."""
        if self.document.format in SELF_SOURCED_FORMATS:
            url = figure.source_url or record.source_url
            return self.kinds_by_url.get(url, SourceDocument.Kind.PRIMARY)
        return self.source_kind

    @property
    def new_periods(self) -> list[PeriodKey]:
        return [key for key, period in self.periods.items() if period is None]


def plan_import(document: ParsedDocument, *, source_kind: str = SourceDocument.Kind.PRIMARY) -> ImportPlan:
    """Compare a parsed document with the database in two queries, whatever its size."""
    keys = [record.key for record in document.periods]
    existing = {
        (p.company.slug, p.scope, p.start, p.end): p
        for p in ReportingPeriod.objects.select_related("company", "source").filter(
            company__slug__in={key[0] for key in keys}, start__in={key[2] for key in keys}
        )
    }
    plan = ImportPlan(document=document, periods={key: existing.get(key) for key in keys}, source_kind=source_kind)
    if document.format in SELF_SOURCED_FORMATS:
        urls = {f.source_url or r.source_url for r in document.periods for f in r.figures}
        plan.kinds_by_url = dict(SourceDocument.objects.filter(url__in=urls).values_list("url", "kind"))
    found = [p for p in plan.periods.values() if p is not None]
    # Only the request types the document gives: several documents share a period (Google's and Apple's tables).
    request_types = {figure.request_type for record in document.periods for figure in record.figures}
    stored: dict[tuple[int, str, str, str], Figure] = {
        (f.period_id, f.jurisdiction, f.request_type, f.measure): f
        for f in Figure.objects.filter(period__in=found, request_type__in=request_types).select_related("source")
    }
    for record in document.periods:
        period = plan.periods[record.key]
        label = f"{record.company} {record.scope} {record.start}..{record.end}"
        for figure in record.figures:
            current = stored.get((period.pk, *figure.key)) if period else None
            _plan_figure(plan, record, figure, current, period, label)
    plan.recited = _count_recited(plan)
    return plan


def takes_over(current: SourceDocument | None, new_kind: str) -> bool:
    """A period keeps the document it was first recorded from, unless that was a press article or a transcribed
    copy and this is the company's own: re-importing documents that share a period must not swap its source."""
    if current is None:
        return True
    lesser = (SourceDocument.Kind.SECONDARY, SourceDocument.Kind.TRANSCRIBED)
    return current.kind in lesser and new_kind == SourceDocument.Kind.PRIMARY


def _count_recited(plan: ImportPlan) -> int:
    """How many figures applying the plan pins to their period's old document (services._pin_inherited)."""
    taken = [
        period.pk
        for record in plan.document.periods
        if (period := plan.periods[record.key]) is not None
        and period.source_id
        and takes_over(period.source, _period_source_kind(plan, record))
    ]
    if not taken:
        return 0
    updated = {figure.pk for figure, _ in plan.updates}
    inherited = Figure.objects.filter(period__in=taken, source__isnull=True).values_list("pk", flat=True)
    return sum(1 for pk in inherited if pk not in updated)


def _period_source_kind(plan: ImportPlan, record: PeriodRecord) -> str:
    if plan.document.format in SELF_SOURCED_FORMATS:
        return plan.kinds_by_url.get(record.source_url, SourceDocument.Kind.PRIMARY) if record.source_url else ""
    return plan.source_kind


def _plan_figure(
    plan: ImportPlan,
    record: PeriodRecord,
    figure: FigureRecord,
    current: Figure | None,
    period: ReportingPeriod | None,
    label: str,
) -> None:
    new_text = _describe(figure.value, figure.value_min, figure.value_max)
    if current is None:
        plan.creates.append((record, figure))
        plan.changes.append(FigureChange(label, figure.key, "", new_text))
    elif current.kind != "not-reported" and not figure.is_reported:
        plan.kept += 1
    elif source_rank(plan.kind_of(record, figure)) < source_rank(_cited_kind(current, period)):
        # The company's own file outranks a third party's copy of it, and both outrank the press.
        plan.kept += 1
        old_text = _describe(current.value, current.value_min, current.value_max)
        new_text = _describe(figure.value, figure.value_min, figure.value_max)
        if old_text != new_text:
            plan.disagreements.append(
                f"{label} {'/'.join(figure.key)}: this {plan.kind_of(record, figure)} source gives {new_text}, "
                f"the {_cited_kind(current, period)} one it cites {old_text}; the figure keeps its better source"
            )
    elif tuple(getattr(current, name) for name in FIGURE_FIELDS) == (
        figure.value,
        figure.value_min,
        figure.value_max,
        figure.note,
        figure.chart_image,
    ) and _keeps_citation(plan, record, figure, current.source or (period.source if period else None)):
        plan.unchanged += 1
    else:
        plan.updates.append((current, figure))
        old_text = _describe(current.value, current.value_min, current.value_max)
        if old_text == new_text:
            cited = current.source or (period.source if period else None)
            old_text, new_text = f"{old_text} (cited to {cited or 'no document'})", f"{new_text} (cited to this one)"
        plan.changes.append(FigureChange(label, figure.key, old_text, new_text))


def _keeps_citation(plan: ImportPlan, record: PeriodRecord, figure: FigureRecord, cited: SourceDocument | None) -> bool:
    """Whether an equal figure keeps the document it cites. A row that names its source must cite that one;
    a document takes over only a figure that a lower-ranked source (or nothing) backs so far: the company's own
    file over a transcribed copy or the press, a transcribed copy over the press."""
    if plan.document.format in SELF_SOURCED_FORMATS:
        url = figure.source_url or record.source_url
        return not url or (cited is not None and cited.url == url)
    return cited is not None and source_rank(cited.kind) >= source_rank(plan.source_kind)


#: How far a kind of source is trusted: a figure never moves to a source of a lower rank.
_SOURCE_RANK = {SourceDocument.Kind.SECONDARY: 0, SourceDocument.Kind.TRANSCRIBED: 1, SourceDocument.Kind.PRIMARY: 2}


def source_rank(kind: str) -> int:
    """How far a kind of source is trusted (higher is better; -1 for none)."""
    return _SOURCE_RANK.get(kind, -1)  # type: ignore[call-overload]


def _cited_kind(figure: Figure, period: ReportingPeriod | None) -> str:
    cited = figure.source or (period.source if period else None)
    return cited.kind if cited is not None else ""


def load_aliases(fmt: str) -> importers.Aliases:
    """What staff taught the ``fmt`` importer (ImporterAlias rows), as the plain data importers take."""
    rows = ImporterAlias.objects.filter(format=fmt).values_list("kind", "normalised", "target")
    return importers.Aliases({(kind, text): target for kind, text, target in rows})


def _describe(value: Any, low: Any, high: Any) -> str:
    from reports.formatting import format_figure

    return format_figure(value, low, high)


def preview_document(*, data: bytes, filename: str, fmt: str | None = None) -> ImportPlan:
    """Parse and compare without writing anything: what staff see before they apply an upload."""
    fmt = fmt or importers.detect(data, filename=filename)
    document = importers.parse(data, filename=filename, fmt=fmt, aliases=load_aliases(fmt))
    return plan_import(document)
