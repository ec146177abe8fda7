"""Corrections: every change to data that was already public, read from django-simple-history.

A correction is a change to, or the removal of, a figure, reporting period or emergency disclosure
while it was public. Publishing a draft, editing a draft, a new report and a re-save that changes
nothing are not corrections. Staff user names are never read here: only what changed, when and why.
``public_corrections()`` serves the /corrections/ page and the corrections feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, overload

from django.db import models
from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Value

from reports.formatting import format_figure
from reports.models import EmergencyDisclosure, Figure, ReportingPeriod, SourceDocument
from reports.periods import period_label
from reports.querysets import PUBLISHED
from reports.statements import jurisdiction_name
from reports.vocabulary import PERCENT_MEASURES, Measure, RequestType, Scope

CHANGED, REMOVED = "~", "-"
#: Fields whose change is a correction; bookkeeping fields (updated_at) are left out.
FIGURE_FIELDS = ("value", "value_min", "value_max", "note", "source_id")
PERIOD_FIELDS = ("scope", "start", "end", "published_on", "source_id", "notes", "status")
DISCLOSURE_FIELDS = (
    "kind",
    "title",
    "date_start",
    "date_end",
    "count",
    "count_is_minimum",
    "requester",
    "evidence",
    "contested",
    "contested_note",
    "date_note",
    "agency",
    "jurisdiction",
    "basis",
    "company_standard",
    "warrant",
    "user_consent",
    "user_notified",
    "data_category",
    "data_disclosed",
    "summary",
    "status",
)
LONG_TEXT = 240


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Correction:
    """One public change: what, old -> new, when and why."""

    uid: str
    when: dt.datetime
    subject: str
    action: str  # "changed", "removed" or "withdrawn"
    reason: str
    url: str = ""
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def title(self) -> str:
        """One line for a feed entry: 'Amazon H1 2020 · United States · Subpoenas · Requests: 2,416 → 2,418'."""
        if self.action != "changed" or not self.changes:
            return f"{self.subject}: {self.action}"
        return f"{self.subject}: " + "; ".join(
            f"{c.label} {c.old} → {c.new}" if len(self.changes) > 1 else f"{c.old} → {c.new}" for c in self.changes
        )


# --- Which history records are corrections (one SQL union, so pages and counts stay in the database) ---


def _previous(history: type[models.Model]) -> Subquery:
    """The history_id of the record just before this one for the same object."""
    return Subquery(
        history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))  # type: ignore[attr-defined]
        .order_by("-history_id")
        .values("history_id")[:1]
    )


def _previous_value(history: type[models.Model], name: str) -> Subquery:
    return Subquery(history.objects.filter(history_id=OuterRef("prev_id")).values(name)[:1])  # type: ignore[attr-defined]


def _differs(names: tuple[str, ...]) -> Q:
    """Some tracked field differs from the previous record, NULL-safely (annotations ``prev_<name>``)."""
    condition = Q(prev_id__isnull=True)
    for name in names:
        old = f"prev_{name}"
        condition |= Q(**{f"{name}__isnull": True, f"{old}__isnull": False})
        condition |= Q(**{f"{name}__isnull": False, f"{old}__isnull": True})
        condition |= Q(**{f"{name}__isnull": False, f"{old}__isnull": False}) & ~Q(**{name: F(old)})
    return condition


def _with_previous(history: type[models.Model], names: tuple[str, ...]) -> Any:
    # Creations are never corrections. Filtering them out first, as a qual of its own, keeps the
    # correlated subqueries below to the few changed rows instead of every history row (55,000+).
    candidates = history.objects.filter(history_type__in=(CHANGED, REMOVED))  # type: ignore[attr-defined]
    queryset = candidates.annotate(prev_id=_previous(history))
    return queryset.annotate(**{f"prev_{name}": _previous_value(history, name) for name in names})


def _figure_candidates() -> Any:
    """Figure changes and removals made while the figure's period was published, of periods still public."""
    history = Figure.history.model
    period_history = ReportingPeriod.history.model
    status_then = Subquery(
        period_history.objects.filter(id=OuterRef("period_id"), history_date__lte=OuterRef("history_date"))
        .order_by("-history_date", "-history_id")
        .values("status")[:1]
    )
    return (
        _with_previous(history, FIGURE_FIELDS)
        .annotate(period_status_then=status_then)
        .filter(
            Exists(ReportingPeriod.objects.published().filter(pk=OuterRef("period_id"))),
            period_status_then=PUBLISHED,
        )
        .filter(Q(history_type=REMOVED) | Q(history_type=CHANGED) & _differs(FIGURE_FIELDS))
    )


def _record_candidates(model: type[models.Model], names: tuple[str, ...]) -> Any:
    """Changes to a record that was published just before them, and removals of published records."""
    return _with_previous(model.history.model, names).filter(  # type: ignore[attr-defined]
        Q(history_type=REMOVED, status=PUBLISHED) | Q(history_type=CHANGED, prev_status=PUBLISHED) & _differs(names)
    )


def _union() -> Any:
    parts = [
        ("figure", _figure_candidates()),
        ("period", _record_candidates(ReportingPeriod, PERIOD_FIELDS)),
        ("disclosure", _record_candidates(EmergencyDisclosure, DISCLOSURE_FIELDS)),
    ]
    queries = [
        queryset.annotate(model=Value(name, output_field=CharField()))
        .order_by()
        .values("history_date", "history_id", "model")
        for name, queryset in parts
    ]
    return queries[0].union(*queries[1:], all=True).order_by("-history_date", "-history_id")


class CorrectionList:
    """Every public correction, newest first; sliceable and countable, so ``Paginator`` pages it in the
    database: a page costs the same few queries however long the history grows."""

    def __init__(self) -> None:
        self._rows = _union()

    def count(self) -> int:
        return int(self._rows.count())

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Correction: ...
    @overload
    def __getitem__(self, index: slice) -> list[Correction]: ...
    def __getitem__(self, index: int | slice) -> Correction | list[Correction]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        return _hydrate(list(self._rows[index]))

    def __iter__(self) -> Iterator[Correction]:
        return iter(_hydrate(list(self._rows)))


def public_corrections() -> CorrectionList:
    """Every change to data that was public, newest first: ``public_corrections()[:20]`` for a feed."""
    return CorrectionList()


# --- Turning a page of history records into readable corrections ----------------------------------


def _hydrate(rows: list[dict[str, Any]]) -> list[Correction]:
    wanted: dict[str, list[int]] = {"figure": [], "period": [], "disclosure": []}
    for row in rows:
        wanted[row["model"]].append(row["history_id"])
    records: dict[tuple[str, int], Any] = {}
    previous: dict[tuple[str, int], Any] = {}
    for name, model, related in (
        ("figure", Figure, ("period__company",)),
        ("period", ReportingPeriod, ("company",)),
        ("disclosure", EmergencyDisclosure, ("company",)),
    ):
        if not wanted[name]:
            continue
        history = model.history.model  # type: ignore[attr-defined]
        found = list(
            history.objects.filter(history_id__in=wanted[name])
            .annotate(prev_id=_previous(history))
            .select_related(*related)
        )
        records.update({(name, r.history_id): r for r in found})
        prev_ids = [r.prev_id for r in found if r.prev_id]
        if prev_ids:
            previous.update({(name, p.history_id): p for p in history.objects.filter(history_id__in=prev_ids)})
    context = _Context.load(records.values(), previous)
    return [context.describe(row["model"], records[(row["model"], row["history_id"])]) for row in rows]


@dataclass
class _Context:
    previous: dict[tuple[str, int], Any]
    sources: dict[int, str]
    public_periods: set[int]
    public_disclosures: set[int]

    @classmethod
    def load(cls, records: Any, previous: dict[tuple[str, int], Any]) -> _Context:
        """Titles of the sources named, and which periods and disclosures are public now: two queries at most."""
        records = list(records)
        every = [*records, *previous.values()]
        source_ids = {r.source_id for r in every if getattr(r, "source_id", None)}
        # A figure that cites its period's document names that document in a correction too.
        source_ids |= {r.period.source_id for r in records if hasattr(r, "period") and r.period.source_id}
        period_ids = {r.id for r in records if r._meta.model is ReportingPeriod.history.model}
        disclosure_ids = {r.id for r in records if r._meta.model is EmergencyDisclosure.history.model}
        return cls(
            previous=previous,
            sources={
                pk: _source_name(title, digest, kind)
                for pk, title, digest, kind in SourceDocument.objects.filter(pk__in=source_ids).values_list(
                    "pk", "title", "sha256", "kind"
                )
            }
            if source_ids
            else {},
            public_periods=set(
                ReportingPeriod.objects.published().filter(pk__in=period_ids).values_list("pk", flat=True)
            )
            if period_ids
            else set(),
            public_disclosures=set(
                EmergencyDisclosure.objects.published().filter(pk__in=disclosure_ids).values_list("pk", flat=True)
            )
            if disclosure_ids
            else set(),
        )

    def describe(self, kind: str, record: Any) -> Correction:
        old = self.previous.get((kind, record.prev_id))
        subject, url = {"figure": self._figure, "period": self._period, "disclosure": self._disclosure}[kind](record)
        action = "removed" if record.history_type == REMOVED else "changed"
        if kind != "figure" and action == "changed" and record.status != PUBLISHED:
            action = "withdrawn"
        changes = self._changes(kind, old, record) if action == "changed" else []
        return Correction(
            uid=f"{kind}-{record.history_id}",
            when=record.history_date,
            subject=subject,
            action=action,
            reason=record.history_change_reason or "",
            url=url if action != "removed" else "",
            changes=changes,
        )

    def _figure(self, record: Any) -> tuple[str, str]:
        period = record.period
        parts = [
            _period_name(period.company.name, period.scope, period.start, period.end),
            jurisdiction_name(record.jurisdiction),
            _label(RequestType, record.request_type),
            _label(Measure, record.measure),
        ]
        return " · ".join(parts), period.get_absolute_url()

    def _period(self, record: Any) -> tuple[str, str]:
        name = _period_name(record.company.name, record.scope, record.start, record.end)
        if record.id not in self.public_periods:
            return name, ""
        return name, ReportingPeriod(
            company=record.company, scope=record.scope, start=record.start, end=record.end
        ).get_absolute_url()

    def _disclosure(self, record: Any) -> tuple[str, str]:
        name = f"{record.company.name}: {record.title}"
        public = record.id in self.public_disclosures
        return name, EmergencyDisclosure(pk=record.id).get_absolute_url() if public else ""

    def _changes(self, kind: str, old: Any, new: Any) -> list[FieldChange]:
        if kind == "figure":
            percent = new.measure in PERCENT_MEASURES
            shown = [
                ("value", lambda r: format_figure(r.value, r.value_min, r.value_max, percent=percent)),
                ("note", lambda r: r.note or "(none)"),
                # Two editions of a company's file often share a title: the archived copy's digest tells them apart.
                ("source", lambda r: self._source(r.source_id or new.period.source_id)),
            ]
        elif kind == "period":
            shown = [(name.removesuffix("_id"), self._shower(new, name)) for name in PERIOD_FIELDS]
        else:
            shown = [(name, self._shower(new, name)) for name in DISCLOSURE_FIELDS]
        result = []
        for name, show in shown:
            before, after = (show(old) if old is not None else "(not recorded)"), show(new)
            if before != after:
                result.append(FieldChange(_verbose(kind, name), before, after))
        return result

    def _shower(self, record: Any, name: str) -> Any:
        """How a field of a period or disclosure reads: choice labels, dates in words, sources by title."""
        if name == "source_id":
            return lambda r: self._source(r.source_id)
        model_field = record._meta.get_field(name)
        if model_field.choices:
            return lambda r: str(dict(model_field.choices).get(getattr(r, name), getattr(r, name)))
        if isinstance(model_field, models.DateField):
            return lambda r: f"{getattr(r, name):%-d %B %Y}" if getattr(r, name) else "(none)"
        return lambda r: _shorten(str(getattr(r, name))) if getattr(r, name) not in (None, "") else "(none)"

    def _source(self, source_id: int | None) -> str:
        return self.sources.get(source_id, "a removed document") if source_id else "the period's document"


def _source_name(title: str, digest: str, kind: str) -> str:
    """A document as a correction names it: what kind it is first, so that a figure moving from a press
    article to the company's own report reads as the upgrade it is."""
    what = {
        SourceDocument.Kind.PRIMARY: "the company's own report",
        SourceDocument.Kind.TRANSCRIBED: "a transcribed copy of the company's file",
        SourceDocument.Kind.SECONDARY: "a press report",
    }.get(kind, "a document")  # type: ignore[call-overload]
    return f"{what}, “{title}”" + (f" (copy {digest[:8]})" if digest else "")


def _period_name(company: str, scope: str, start: dt.date, end: dt.date) -> str:
    scope_text = "" if scope == Scope.TOTAL else f" ({_label(Scope, scope)})"
    return f"{company} {period_label(start, end)}{scope_text}"


def _label(choices: type[models.TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _verbose(kind: str, name: str) -> str:
    model = {"figure": Figure, "period": ReportingPeriod, "disclosure": EmergencyDisclosure}[kind]
    model_field = model._meta.get_field(name)
    return str(getattr(model_field, "verbose_name", name))


def _shorten(text: str) -> str:
    return text if len(text) <= LONG_TEXT else text[: LONG_TEXT - 1].rstrip() + "…"
