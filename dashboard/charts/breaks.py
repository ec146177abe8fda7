"""Breaks in how a company reports (a changed period length, scope or basis), marked on the time axis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from dashboard.charts.labels import kinds_text, scope_label
from dashboard.charts.plotting import Break
from dashboard.charts.points import Point, Span
from reports.periods import length_in_months


def length_breaks(spans: Sequence[Span]) -> list[Break]:
    """Where the length of a company's periods changes (Amazon's Jan–May 2015, Ring's yearly reports)."""
    result: list[Break] = []
    for company_spans in _by_company(spans).values():
        previous: Span | None = None
        for span in company_spans:
            months = length_in_months(span.start, span.end)
            if previous is not None and months != length_in_months(previous.start, previous.end):
                was = length_in_months(previous.start, previous.end)
                result.append(
                    Break(
                        span.start,
                        f"{span.company_name}: {was} to {months} months",
                        f"From {span.label}, {span.company_name}'s reports cover {months} months; "
                        f"the one before covered {was} ({previous.label}).",
                    )
                )
            previous = span
    return result


def scope_breaks(spans: Sequence[Span], company_name: str) -> list[Break]:
    """Where a company starts reporting a part of itself apart (Amazon: AWS from H1 2018)."""
    firsts: dict[str, Span] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        firsts.setdefault(span.scope, span)
    if len(firsts) < 2:
        return []
    start = min(span.start for span in firsts.values())
    return [
        Break(
            span.start,
            f"{scope_label(scope)} apart",
            f"From {span.label}, {company_name} also reports “{scope_label(scope)}” apart.",
        )
        for scope, span in firsts.items()
        if span.start > start
    ]


def basis_breaks(series: dict[str, list[Point]]) -> list[Break]:
    """Where a series changes between the company's own published total and a sum of the kinds it lists."""
    result: list[Break] = []
    for name, points in series.items():
        previous: Point | None = None
        for point in points:
            if point.status == "not reported":
                continue
            if previous is not None and bool(point.parts) != bool(previous.parts):
                if len(point.parts) == 1:
                    only = kinds_text(point.parts)
                    sentence = f"From {point.span.label}, {name} publishes no total and lists only {only}."
                elif point.parts:
                    sentence = f"From {point.span.label}, {name} publishes no total: the figure is the {point.basis}."
                else:
                    sentence = f"From {point.span.label}, {name}'s figure is its own published total."
                result.append(Break(point.span.start, f"{name}: total", sentence))
            previous = point
    return result


def changing_sums(series: dict[str, list[Point]]) -> list[str]:
    """The companies whose summed kinds differ from one period to another (kinds added, dropped or not given)."""
    return sorted(name for name, points in series.items() if len({p.parts for p in points if p.parts}) > 1)


def _by_company(spans: Sequence[Span]) -> dict[tuple[Any, ...], list[Span]]:
    grouped: dict[tuple[Any, ...], list[Span]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: (s.company_name, s.start, s.end)):
        grouped[(span.company,)].append(span)
    return grouped


def ordered_breaks(breaks: Iterable[Break]) -> list[Break]:
    unique = {(b.on, b.sentence): b for b in breaks}
    return sorted(unique.values(), key=lambda b: (b.on, b.sentence))
