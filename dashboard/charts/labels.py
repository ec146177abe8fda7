"""The words for kinds of demand, scopes and measures, as charts write them in titles and sentences."""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.charts.styles import request_type_sort_key
from reports.vocabulary import Measure, RequestType, Scope

# Labels looked up once: TextChoices rebuilds its list of values on every ``in`` test.
#: The request type a chart uses for "all requests": the company's own total, else a sum of its kinds.
TOTAL = "total"
TYPE_LABELS = {TOTAL: "All requests", **{value: str(label) for value, label in RequestType.choices}}


SCOPE_LABELS = {value: str(label) for value, label in Scope.choices}


MEASURE_LABELS = {value: str(label) for value, label in Measure.choices}


def type_label(request_type: str) -> str:
    return TYPE_LABELS.get(request_type, request_type)


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: 'subpoenas', but 'U.S. warrants…', 'FISA orders', 'National
    Security Letters' keep their capitals."""
    if label.startswith("National Security Letters") or len(label) < 2 or not label[1].islower():
        return label
    return label[0].lower() + label[1:]


def type_noun(request_type: str) -> str:
    """'subpoenas', 'FISA orders for content', 'requests' for all of them."""
    return "requests" if request_type in (TOTAL, "all") else in_sentence(type_label(request_type))


def scope_label(scope: str) -> str:
    return SCOPE_LABELS.get(scope, scope)


def kinds_text(request_types: Iterable[str]) -> str:
    """'subpoenas, search warrants and other court orders'."""
    names = [type_noun(t) for t in sorted(request_types, key=request_type_sort_key)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
