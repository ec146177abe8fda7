"""Country names as transparency reports spell them -> ISO 3166-1 alpha-2 codes.

pycountry knows the ISO names ("Korea, Republic of", "Russian Federation"); companies write
the names people use ("South Korea", "Russia", "China mainland"), so an alias table comes
first. An unknown name gives ``None``: importers turn that into a DocumentError rather than
guess a jurisdiction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

#: Names pycountry does not resolve, or resolves to the wrong place. Keys are normalised
#: with :func:`normalise_name` (case-folded, single spaces).
ALIASES: dict[str, str] = {
    "bolivia": "BO",
    "brunei": "BN",
    "burma": "MM",
    "cape verde": "CV",
    "china mainland": "CN",
    "mainland china": "CN",
    "congo - brazzaville": "CG",
    "congo - kinshasa": "CD",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "czech republic": "CZ",
    "east timor": "TL",
    "great britain": "GB",
    "holy see": "VA",
    "iran": "IR",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    # Kosovo has no ISO 3166-1 code; XK is the user-assigned code the EU, IMF and the
    # companies' own data use for it.
    "kosovo": "XK",
    # In transparency reports a bare "Korea" is always the Republic of Korea.
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "laos": "LA",
    "macau": "MO",
    "macao": "MO",
    "macau sar china": "MO",
    "hong kong sar china": "HK",
    "macedonia": "MK",
    "fyrom": "MK",
    "micronesia": "FM",
    "moldova": "MD",
    "palestine": "PS",
    "palestinian territories": "PS",
    "russia": "RU",
    "st. kitts & nevis": "KN",
    "st. lucia": "LC",
    "st. vincent & grenadines": "VC",
    "swaziland": "SZ",
    "syria": "SY",
    "taiwan": "TW",
    "tanzania": "TZ",
    "trinidad & tobago": "TT",
    "turkey": "TR",
    "türkiye": "TR",
    "turkiye": "TR",
    "uk": "GB",
    "united kingdom": "GB",
    "u.k.": "GB",
    "us": "US",
    "u.s.": "US",
    "usa": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "vatican": "VA",
    "vatican city": "VA",
    "venezuela": "VE",
    "vietnam": "VN",
    "antigua": "AG",
    "u.s. virgin islands": "VI",
    "us virgin islands": "VI",
    "u.s. outlying islands": "UM",
    # Withdrawn from ISO 3166-1 in 2010, but Meta still lists it; AN is its former code.
    "netherlands antilles": "AN",
}

_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Case-folded, NFC-normalised, with runs of spaces collapsed ("South  Korea" happens)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip().casefold()


#: Places that are not the country pycountry would match them to. Somaliland has no ISO code and is
#: not Somalia: Meta's H2 2017 report has a "Somaliland" row, which stays an unknown for staff.
NOT_MAPPED = frozenset({"somaliland"})


@lru_cache(maxsize=1024)
def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name, or None when the name is unknown."""
    key = normalise_name(name)
    if not key or key in NOT_MAPPED:
        return None
    if key in ALIASES:
        return ALIASES[key]
    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        # Spelling variants pycountry misses: "Curacao", "Bosnia & Herzegovina", "The Gambia",
        # "Côte d’Ivoire", "Falkland Islands" (ISO: "Falkland Islands (Malvinas)").
        folded = _fold(key)
        return ALIASES.get(folded) or _folded_names().get(folded)
    return str(country.alpha_2)


def _fold(name: str) -> str:
    """A spelling-insensitive key: no accents, curly quotes, "&", "St." or leading "The"."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = re.sub(r"\bst\.?\s", "saint ", text)
    text = re.sub(r"^the\s+", "", text.strip())
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _folded_names() -> dict[str, str]:
    """Every pycountry name, folded, plus its short form ("Palestine" for "Palestine, State of",
    "Saint Martin" for "Saint Martin (French part)") where that short form is unambiguous."""
    names: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for country in pycountry.countries:
        code = str(country.alpha_2)
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            names.setdefault(_fold(value), code)
            for part in re.split(r"[,(]", value)[:1] + re.findall(r"\(([^)]*)\)", value):
                short.setdefault(_fold(part), set()).add(code)
    for part, codes in short.items():
        if len(codes) == 1 and part:
            names.setdefault(part, codes.pop())
    return names
