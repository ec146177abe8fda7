"""The companies the importers know, so a first import can create them with their real names."""

from __future__ import annotations

from typing import TypedDict


class CompanyInfo(TypedDict):
    name: str
    parent: str
    website: str
    transparency_url: str


KNOWN_COMPANIES: dict[str, CompanyInfo] = {
    "amazon": {
        "name": "Amazon",
        "parent": "",
        "website": "https://www.amazon.com/",
        "transparency_url": "https://www.amazon.com/gp/help/customer/display.html?nodeId=GYSDRGWQ2C2CRYEF",
    },
    "ring": {
        "name": "Ring",
        "parent": "amazon",
        "website": "https://ring.com/",
        "transparency_url": "https://ring.com/law-enforcement-information-requests",
    },
    "google": {
        "name": "Google",
        "parent": "",
        "website": "https://www.google.com/",
        "transparency_url": "https://transparencyreport.google.com/user-data/overview",
    },
    "meta": {
        "name": "Meta",
        "parent": "",
        "website": "https://about.meta.com/",
        "transparency_url": "https://transparency.fb.com/data/government-data-requests/",
    },
    "apple": {
        "name": "Apple",
        "parent": "",
        "website": "https://www.apple.com/",
        "transparency_url": "https://www.apple.com/legal/transparency/",
    },
    "microsoft": {
        "name": "Microsoft",
        "parent": "",
        "website": "https://www.microsoft.com/",
        "transparency_url": "https://www.microsoft.com/en-us/corporate-responsibility/law-enforcement-requests-report",
    },
    # Companies the record meets through emergency disclosures; no transparency report of theirs is held yet.
    "discord": {"name": "Discord", "parent": "", "website": "", "transparency_url": ""},
    "snap": {"name": "Snap", "parent": "", "website": "", "transparency_url": ""},
    "twitter": {"name": "Twitter (X)", "parent": "", "website": "", "transparency_url": ""},
}
