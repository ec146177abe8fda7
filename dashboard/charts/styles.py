"""One colour per company and one look per kind of request, the same on every chart (Okabe-Ito)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.vocabulary import RequestType

# --- Colours and styles: defined once, the same on every chart ---------------------------------

#: One colour per company, from the colour-blind-safe Okabe-Ito palette.
COMPANY_COLOURS: dict[str, str] = {
    "amazon": "#E69F00",  # orange
    "ring": "#56B4E9",  # sky blue
    "google": "#009E73",  # bluish green
    "meta": "#0072B2",  # blue
    "apple": "#CC79A7",  # reddish purple
    "microsoft": "#D55E00",  # vermillion
}
#: Companies the table above does not name get these, in order of their slug.
SPARE_COLOURS = ("#7F7F7F", "#A6761D", "#666666", "#1B9E77")
#: Request types are told apart by dash, marker and bar pattern as well as colour.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F", "#A6761D")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "x", "star")
PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")
#: The order request types are listed and styled in, so each keeps its look from chart to chart.
REQUEST_TYPE_ORDER = (
    "all",
    "legal-process",
    "subpoena",
    "search-warrant",
    "other-court-order",
    "2703d-order",
    "pen-register",
    "wiretap",
    "emergency",
    "preservation",
    "other-legal",
    "account",
    "device",
    "financial-identifier",
    "mlat",
    "national-security",
    "nsl",
    "fisa",
    "fisa-content",
    "fisa-non-content",
)
#: Every kind in the vocabulary, the listed ones first: the place a kind's look is taken from.
STYLE_ORDER = (*REQUEST_TYPE_ORDER, *(t for t in RequestType.values if t not in REQUEST_TYPE_ORDER))
_STYLE_INDEX = {request_type: index for index, request_type in enumerate(STYLE_ORDER)}

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def company_colour(slug: str, known: Sequence[str] = ()) -> str:
    """The company's colour; an unlisted company gets a spare one, stable for a given set of slugs."""
    if slug in COMPANY_COLOURS:
        return COMPANY_COLOURS[slug]
    others = sorted(s for s in {*known, slug} if s not in COMPANY_COLOURS)
    return SPARE_COLOURS[others.index(slug) % len(SPARE_COLOURS)]


def translucent(colour: str, alpha: float) -> str:
    """'#E69F00' at ``alpha`` opacity as an rgba() colour."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: str
    symbol: str
    pattern: str


def request_type_style(request_type: str) -> SeriesStyle:
    """The same colour, dash, marker and bar pattern for a request type on every chart. Every kind in the
    vocabulary has its own place in ``STYLE_ORDER``: two kinds that share a colour (the ninth on) differ in dash,
    marker and pattern, so no two lines of any chart look alike."""
    order = _STYLE_INDEX.get(request_type, len(STYLE_ORDER))
    turn = order // len(SERIES_COLOURS)
    return SeriesStyle(
        SERIES_COLOURS[order % len(SERIES_COLOURS)],
        DASHES[turn % len(DASHES)],
        SYMBOLS[(order + turn) % len(SYMBOLS)],
        PATTERNS[(order + turn) % len(PATTERNS)],
    )


def request_type_sort_key(request_type: str) -> tuple[int, str]:
    order = REQUEST_TYPE_ORDER.index(request_type) if request_type in REQUEST_TYPE_ORDER else len(REQUEST_TYPE_ORDER)
    return order, request_type


# --- Errors, parameters and the registry -------------------------------------------------------
