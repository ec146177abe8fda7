"""What a journalist would write from a period's figures: shares handed over with their base, and
the change against the same period a year earlier. Pure functions over figures, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

import pycountry

from reports.formatting import format_figure, format_number, format_percent, percent
from reports.vocabulary import SPECIAL_JURISDICTIONS, RequestType

#: Jurisdictions a report page states shares and changes for; country figures stay in the table.
HEADLINE_JURISDICTIONS = ("US", "NON-US", "WW")

#: Request types summed into one statement as the press does ("23% more subpoenas and search warrants").
COMBINED_REQUEST_TYPES = (("subpoena", "search-warrant"),)

#: How a request type reads inside a sentence, where its label does not ("29% more court orders").
NOUNS = {
    "all": "requests",
    "other-court-order": "court orders",
    "nsl": "National Security Letters",
    "fisa": "FISA orders",
    "fisa-content": "FISA orders for content",
    "fisa-non-content": "FISA orders for non-content",
    "mlat": "diplomatic / MLAT requests",
    "2703d-order": "2703(d) orders",
    "non-us": "requests from non-U.S. governments",
}


class FigureLike(Protocol):
    jurisdiction: str
    request_type: str
    measure: str
    value: Decimal | None
    value_min: Decimal | None
    value_max: Decimal | None


Key = tuple[str, str]


#: Codes the companies' files use that ISO 3166-1 does not assign (any more): Kosovo's user-assigned XK, and the
#: Netherlands Antilles' AN, withdrawn in 2010 when it was dissolved.
UNOFFICIAL_CODES = {"XK": "Kosovo", "AN": "Netherlands Antilles (former)"}


@lru_cache(maxsize=512)
def jurisdiction_name(code: str) -> str:
    """'United States', 'All non-U.S. governments', 'Germany'; the code itself when unknown."""
    if code in SPECIAL_JURISDICTIONS:
        return SPECIAL_JURISDICTIONS[code]
    if code in UNOFFICIAL_CODES:
        return UNOFFICIAL_CODES[code]
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


def capfirst(text: str) -> str:
    """Upper-case the first letter only: 'non-U.S. requests' must keep its capitals."""
    return text[:1].upper() + text[1:]


def request_noun(request_type: str, jurisdiction: str = "US") -> str:
    """'subpoenas', 'court orders', 'requests from non-U.S. governments', 'search warrants from Germany'."""
    label = str(RequestType(request_type).label) if request_type in _TYPE_RANK else request_type
    noun = NOUNS.get(request_type, label[:1].lower() + label[1:])
    if jurisdiction == "NON-US":
        return "requests from non-U.S. governments" if request_type == "all" else f"non-U.S. {noun}"
    if jurisdiction == "WW":
        return f"{noun} worldwide"
    if jurisdiction != "US":
        return f"{noun} from {jurisdiction_name(jurisdiction)}"
    return noun


def _index(figures: Iterable[FigureLike]) -> dict[Key, dict[str, FigureLike]]:
    grouped: dict[Key, dict[str, FigureLike]] = {}
    for figure in figures:
        grouped.setdefault((figure.jurisdiction, figure.request_type), {})[figure.measure] = figure
    return grouped


_TYPE_RANK = {code: rank for rank, code in enumerate(RequestType.values)}


def _ordered(keys: Iterable[Key]) -> list[Key]:
    def rank(key: Key) -> tuple[int, int, str]:
        jurisdiction, request_type = key
        where = HEADLINE_JURISDICTIONS.index(jurisdiction) if jurisdiction in HEADLINE_JURISDICTIONS else 9
        return where, _TYPE_RANK.get(request_type, 99), request_type

    return sorted(keys, key=rank)


# --- Shares handed over ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """How often some data was handed over for one request type, with the base beside it."""

    jurisdiction: str
    request_type: str
    requests: Decimal
    some_data_pct: Decimal
    basis: str

    @property
    def noun(self) -> str:
        return request_noun(self.request_type, self.jurisdiction)

    @property
    def no_data_pct(self) -> Decimal:
        return 100 - self.some_data_pct

    @property
    def some_data(self) -> str:
        """'70% of 2,416'."""
        return format_percent(self.some_data_pct, base=self.requests)

    @property
    def no_data(self) -> str:
        """'92% of 177'."""
        return format_percent(self.no_data_pct, base=self.requests)

    @property
    def sentence(self) -> str:
        """The majority outcome, as the press writes it: some data handed over when it usually was."""
        if self.some_data_pct >= 50:
            return f"{capfirst(self.noun)}: handed over some data in {self.some_data}."
        return f"{capfirst(self.noun)}: no data in {self.no_data}."


def shares(figures: Iterable[FigureLike]) -> list[Share]:
    """A Share for each headline request type whose request count is exact and whose outcome is known:
    from full + partial responses, a some-data count, a no-response count, or the percentage the source gives."""
    result = []
    for key, measures in _index(figures).items():
        if key[0] not in HEADLINE_JURISDICTIONS:
            continue
        share = _share(key, measures)
        if share is not None:
            result.append(share)
    order = _ordered(share_key(s) for s in result)
    return sorted(result, key=lambda s: order.index(share_key(s)))


def share_key(share: Share) -> Key:
    return share.jurisdiction, share.request_type


def _exact(measures: dict[str, FigureLike], measure: str) -> Decimal | None:
    figure = measures.get(measure)
    return figure.value if figure is not None else None


def _share(key: Key, measures: dict[str, FigureLike]) -> Share | None:
    requests = _exact(measures, "requests")
    if not requests:
        return None
    full, partial = _exact(measures, "full-response"), _exact(measures, "partial-response")
    some, none = _exact(measures, "some-data"), _exact(measures, "no-response")
    given = _exact(measures, "some-data-pct")
    if full is not None and partial is not None:
        part = full + partial
        basis = (
            f"computed: {format_number(full)} answered in full and {format_number(partial)} in part, "
            f"of {format_number(requests)}"
        )
    elif some is not None:
        part, basis = some, f"computed: some data for {format_number(some)} of {format_number(requests)}"
    elif none is not None:
        part = requests - none
        basis = f"computed: no data for {format_number(none)} of {format_number(requests)}"
    elif given is not None:
        return Share(*key, requests=requests, some_data_pct=given, basis="the percentage the source gives")
    else:
        return None
    share = percent(part, requests)
    return Share(*key, requests=requests, some_data_pct=share, basis=basis) if share is not None else None


def bands(figures: Iterable[FigureLike]) -> list[tuple[Key, str]]:
    """Headline request counts published only as bands, said as ranges: never a midpoint."""
    result = []
    for key, measures in _index(figures).items():
        figure = measures.get("requests")
        if key[0] in HEADLINE_JURISDICTIONS and figure is not None and figure.value_min is not None:
            noun = request_noun(key[1], key[0])
            sentence = f"{capfirst(noun)}: between {_shown(figure).replace('–', ' and ')}, published only as a band."
            result.append((key, sentence))
    order = _ordered(key for key, _ in result)
    return sorted(result, key=lambda item: order.index(item[0]))


# --- Change against a year earlier ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """Requests of one kind against the same period a year earlier."""

    noun: str
    new: Decimal
    old: Decimal
    earlier_label: str
    combined: bool = False

    @property
    def percent_change(self) -> Decimal | None:
        return percent(self.new - self.old, self.old)

    @property
    def sentence(self) -> str:
        """'23% more subpoenas and search warrants than in H1 2019 (2,959 against 2,406).'"""
        counts = f"({format_number(self.new)} against {format_number(self.old)})"
        change = self.percent_change
        if change is None:
            return f"{capfirst(self.noun)}: {format_number(self.new)}, none in {self.earlier_label}."
        rounded = change.quantize(Decimal("1"))
        if rounded == 0:
            return f"About as many {self.noun} as in {self.earlier_label} {counts}."
        direction = "more" if rounded > 0 else "fewer"
        return f"{abs(rounded)}% {direction} {self.noun} than in {self.earlier_label} {counts}."


@dataclass(frozen=True)
class BandComparison:
    """A request type published only as bands: the bands side by side, since no change can be computed."""

    noun: str
    new: str
    old: str
    earlier_label: str

    @property
    def sentence(self) -> str:
        if self.new == self.old:
            return f"{capfirst(self.noun)}: {self.new} in both periods; a band cannot say whether the number changed."
        return (
            f"{capfirst(self.noun)}: {self.new}, against {self.old} in {self.earlier_label}; bands cannot be "
            "compared as numbers."
        )


def changes(
    figures: Iterable[FigureLike], earlier: Iterable[FigureLike], *, earlier_label: str
) -> list[Change | BandComparison]:
    """Request counts against the same period a year earlier, headline jurisdictions only: each request type
    whose count is exact in both, the press's combined groups first, and band-only types side by side."""
    now, then = _index(figures), _index(earlier)
    result: list[Change | BandComparison] = []
    for parts in COMBINED_REQUEST_TYPES:
        for jurisdiction in HEADLINE_JURISDICTIONS:
            new = [n for p in parts if (n := _exact(now.get((jurisdiction, p), {}), "requests")) is not None]
            old = [n for p in parts if (n := _exact(then.get((jurisdiction, p), {}), "requests")) is not None]
            if len(new) == len(old) == len(parts):  # every part exact in both periods
                noun = " and ".join(request_noun(p, "US") for p in parts)
                noun = noun if jurisdiction == "US" else f"{noun} ({jurisdiction_name(jurisdiction)})"
                result.append(Change(noun, sum(new, Decimal(0)), sum(old, Decimal(0)), earlier_label, combined=True))
    for key in _ordered(k for k in now if k in then and k[0] in HEADLINE_JURISDICTIONS):
        new_figure, old_figure = now[key].get("requests"), then[key].get("requests")
        if new_figure is None or old_figure is None:
            continue
        noun = request_noun(key[1], key[0])
        if new_figure.value is not None and old_figure.value is not None:
            result.append(Change(noun, new_figure.value, old_figure.value, earlier_label))
        elif new_figure.value_min is not None and old_figure.value_min is not None:
            result.append(BandComparison(noun, _shown(new_figure), _shown(old_figure), earlier_label))
    return result


def _shown(figure: FigureLike) -> str:
    return format_figure(figure.value, figure.value_min, figure.value_max)
