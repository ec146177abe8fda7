"""What the project holds, said from the data: per company, which published periods come from which kind
of document, and where nothing is held between the first and the last. The methodology page shows it, so
that no page hard-codes which reports we have."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reports.models import ReportingPeriod, SourceDocument, Status
from reports.periods import period_label
from reports.planning import source_rank

#: How each kind of document is named in a run of periods ("from Amazon's own reports").
_KIND_WORDS = {
    SourceDocument.Kind.PRIMARY: "{company}'s own reports",
    SourceDocument.Kind.TRANSCRIBED: "a transcribed copy of {company}'s file",
    SourceDocument.Kind.SECONDARY: "the press only",
}


@dataclass(frozen=True)
class Run:
    """Consecutive periods of one company whose best document is of one kind."""

    first: str
    last: str
    kind: str
    periods: int
    company: str

    @property
    def span(self) -> str:
        return self.first if self.first == self.last else f"{self.first} to {self.last}"

    @property
    def words(self) -> str:
        return _KIND_WORDS.get(self.kind, self.kind).format(company=self.company)  # type: ignore[call-overload]


@dataclass
class Holding:
    company: str
    slug: str
    runs: list[Run] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def holdings() -> list[Holding]:
    """Per company (by name), the runs of published periods by kind of source, and the gaps between them."""
    best: dict[tuple[str, str], dict[tuple[dt.date, dt.date], str]] = {}
    rows = ReportingPeriod.objects.filter(status=Status.PUBLISHED, source__isnull=False).values_list(
        "company__name", "company__slug", "start", "end", "source__kind"
    )
    for name, slug, start, end, kind in rows:
        spans = best.setdefault((name, slug), {})
        if source_rank(kind) > source_rank(spans.get((start, end), "")):
            spans[(start, end)] = kind
    return [_holding(name, slug, spans) for (name, slug), spans in sorted(best.items())]


def _holding(name: str, slug: str, spans: dict[tuple[dt.date, dt.date], str]) -> Holding:
    holding = Holding(name, slug)
    ordered = sorted(spans.items())
    covered_until: dt.date | None = None
    for (start, end), kind in ordered:
        if covered_until is not None and start > covered_until + dt.timedelta(days=1):
            holding.gaps.append(period_label(covered_until + dt.timedelta(days=1), start - dt.timedelta(days=1)))
        covered_until = end if covered_until is None else max(covered_until, end)
        label = period_label(start, end)
        last = holding.runs[-1] if holding.runs else None
        if last is not None and last.kind == kind:
            holding.runs[-1] = Run(last.first, label, kind, last.periods + 1, name)
        else:
            holding.runs.append(Run(label, label, kind, 1, name))
    return holding
