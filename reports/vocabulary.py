"""The controlled vocabulary of the open-data contract (docs/data.md).

Importers, models, the data dictionary page and the API all read these lists,
so a new request type or measure is added here once and documented here once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Scope(models.TextChoices):
    TOTAL = "total", "Total"
    AWS = "aws", "AWS only"
    EXCLUDING_AWS = "excluding-aws", "Excluding AWS"
    # Google reports requests for its enterprise cloud customers apart, per product.
    ENTERPRISE_WORKSPACE = "enterprise-workspace", "Google Workspace enterprise customers"
    ENTERPRISE_GCP = "enterprise-gcp", "Google Cloud Platform enterprise customers"


class RequestType(models.TextChoices):
    ALL = "all", "All requests"
    SUBPOENA = "subpoena", "Subpoenas"
    SEARCH_WARRANT = "search-warrant", "Search warrants"
    OTHER_COURT_ORDER = "other-court-order", "Other court orders"
    COURT_ORDER_2703D = "2703d-order", "2703(d) orders"
    PEN_REGISTER = "pen-register", "Pen register / trap and trace orders"
    WIRETAP = "wiretap", "Wiretap (Title III) orders"
    EMERGENCY = "emergency", "Emergency requests"
    PRESERVATION = "preservation", "Preservation requests"
    LEGAL_PROCESS = "legal-process", "Legal process requests"
    OTHER_LEGAL = "other-legal", "Other legal requests"
    NATIONAL_SECURITY = "national-security", "National-security demands"
    NSL = "nsl", "National Security Letters"
    FISA = "fisa", "FISA orders"
    FISA_CONTENT = "fisa-content", "FISA orders for content"
    FISA_NON_CONTENT = "fisa-non-content", "FISA orders for non-content"
    MLAT = "mlat", "Diplomatic / MLAT requests"
    DEVICE = "device", "Device requests"
    ACCOUNT = "account", "Account requests"
    FINANCIAL_IDENTIFIER = "financial-identifier", "Financial identifier requests"
    CONTENT = "content", "Requests for content"
    NON_CONTENT = "non-content", "Requests for non-content data"
    NON_US = "non-us", "Requests from non-U.S. governments"
    EXTRATERRITORIAL_CONSUMER = "extraterritorial-consumer", "U.S. warrants for consumer content stored abroad"
    EXTRATERRITORIAL_ENTERPRISE = "extraterritorial-enterprise", "U.S. warrants for enterprise content stored abroad"
    POLICE_REQUEST = "police-request", "Police requests"
    LOCAL_SUBSIDIARY = "local-subsidiary", "Requests for data of a local subsidiary"
    PUSH_TOKEN = "push-token", "Push token requests"
    ACCOUNT_RESTRICTION = "account-restriction", "Account restriction / deletion requests"
    APP_TAKEDOWN_LEGAL = "app-takedown-legal", "App takedown requests (alleged legal violation)"
    APP_TAKEDOWN_POLICY = "app-takedown-policy", "App takedown requests (platform policy violation)"
    DIGITAL_CONTENT_PROVIDER = "digital-content-provider", "Digital content provider requests"


#: Help text shown in the data dictionary: how companies define each kind and
#: where figures cannot be compared across companies.
REQUEST_TYPE_DEFINITIONS: dict[str, str] = {
    "all": "Every request of every kind the company counted for the period and jurisdiction. "
    "Companies differ on whether preservation and emergency requests are included.",
    "subpoena": "Demands issued by a prosecutor or agency without a judge; in the U.S. usually limited "
    "to subscriber and billing records.",
    "search-warrant": "Orders signed by a judge on probable cause; the legal process that can compel "
    "the content of communications.",
    "other-court-order": "Court orders other than search warrants, wiretap and pen-register orders "
    "(for Amazon, all court orders that are not warrants).",
    "2703d-order": "U.S. orders under 18 U.S.C. 2703(d) for non-content records (Meta reports these apart).",
    "pen-register": "Orders to record, in real time, non-content routing data (who, when, not what).",
    "wiretap": "Title III orders to intercept content in real time.",
    "emergency": "Requests made without legal process, where the agency says a person faces imminent "
    "danger of death or serious injury; the company decides in good faith whether to disclose.",
    "preservation": "Requests to freeze an account's data while legal process is sought; no data is "
    "handed over on a preservation request alone.",
    "legal-process": "Requests backed by legal process, as opposed to emergency requests (Meta).",
    "other-legal": "Legal requests the company does not put in a named category.",
    "national-security": "National Security Letters and FISA orders reported together; U.S. law only "
    "allows them to be published as bands such as 0-249.",
    "nsl": "National Security Letters issued by the FBI; published as bands.",
    "fisa": "Orders of the Foreign Intelligence Surveillance Court; published as bands.",
    "fisa-content": "FISA orders that require the disclosure of content; published as bands.",
    "fisa-non-content": "FISA orders for non-content data; published as bands.",
    "mlat": "Requests from one government passed through another under a mutual legal assistance "
    "treaty or other diplomatic procedure.",
    "device": "Requests about a device, for example a lost or stolen phone (Apple).",
    "account": "Requests about an account and what it holds (Apple).",
    "financial-identifier": "Requests about a credit card or gift card, often in fraud cases (Apple).",
    "content": "Requests that led to, or sought, the content of communications or recordings.",
    "non-content": "Requests for data other than content: subscriber records, logs, metadata.",
    "non-us": "Requests from governments outside the United States, reported together.",
    "extraterritorial-consumer": "Warrants from U.S. law enforcement seeking the content of consumer accounts "
    "stored outside the United States (Microsoft, from 2018).",
    "extraterritorial-enterprise": "Warrants from U.S. law enforcement for the content of enterprise customers "
    "stored outside the United States; Microsoft reports only how many led to disclosure.",
    "police-request": "Requests made by the police without a court order, reported apart from court orders "
    "(Google, for Ireland).",
    "local-subsidiary": "Requests for data held by a company's local subsidiary rather than by the parent "
    "company (Google, for Russia and China).",
    "push-token": "Requests for data about Apple push notification tokens, which identify a device and an app "
    "(Apple, from H2 2022).",
    "account-restriction": "Requests to restrict or delete an account, for example over alleged illegal use "
    "(Apple). Not requests for data.",
    "app-takedown-legal": "Government requests to remove an app from the App Store over an alleged violation of "
    "local law (Apple). Not requests for data.",
    "app-takedown-policy": "Government requests to remove an app from the App Store over an alleged violation of "
    "Apple's platform policies (Apple). Not requests for data.",
    "digital-content-provider": "Requests to Apple about a digital content provider (an app or media seller on "
    "Apple's platforms) in fraud or other investigations (Apple, from H1 2022).",
}


class Measure(models.TextChoices):
    REQUESTS = "requests", "Requests"
    ACCOUNTS = "accounts", "Accounts specified"
    FULL_RESPONSE = "full-response", "Full response"
    PARTIAL_RESPONSE = "partial-response", "Partial response"
    NO_RESPONSE = "no-response", "No response"
    SOME_DATA_PCT = "some-data-pct", "Share with some data produced (%)"
    SOME_DATA = "some-data", "Requests with some data produced"
    CONTENT_DISCLOSED = "content-disclosed", "Requests where content was disclosed"
    NON_CONTENT_DISCLOSED = "non-content-disclosed", "Requests where only non-content was disclosed"
    CONTENT_DISCLOSED_PCT = "content-disclosed-pct", "Share where content was disclosed (%)"
    USERS_NOTIFIED = "users-notified", "Users notified"
    REJECTED = "rejected", "Requests rejected"
    DEVICES = "devices", "Devices specified in requests"
    IDENTIFIERS = "identifiers", "Financial identifiers specified in requests"
    ACCOUNTS_PRESERVED = "accounts-preserved", "Accounts whose data was preserved"
    NO_DATA_FOUND = "no-data-found", "Requests where no data was found"
    NO_DATA_PROVIDED = "no-data-provided", "Requests answered with no data, not counting rejections"
    CUSTOMERS = "customers", "Enterprise customers specified"
    PUSH_TOKENS = "push-tokens", "Push tokens specified in requests"
    RESTRICTED = "restricted", "Requests where the account was restricted"
    DELETED = "deleted", "Requests where the account was deleted"
    APPS = "apps", "Apps specified in requests"
    REMOVED = "removed", "Requests where an app was removed"
    APPS_REMOVED = "apps-removed", "Apps removed"
    APPEALS = "appeals", "Appeals received"
    APPEALS_GRANTED = "appeals-granted", "Appeals granted"
    APPS_REINSTATED = "apps-reinstated", "Apps reinstated"


MEASURE_DEFINITIONS: dict[str, str] = {
    "requests": "Number of requests (demands) received.",
    "accounts": "Number of users or accounts the requests named.",
    "full-response": "Requests answered with all the data asked for.",
    "partial-response": "Requests answered with part of the data asked for.",
    "no-response": "Requests the company answered with no data.",
    "some-data-pct": "Percentage of requests where some data was produced (a percentage, 0-100).",
    "some-data": "Requests where some data was produced (a count).",
    "content-disclosed": "Requests where the content of communications or recordings was handed over.",
    "non-content-disclosed": "Requests where only non-content data was handed over.",
    "content-disclosed-pct": "Percentage of requests where content was handed over.",
    "users-notified": "Requests (or users) where the affected user was notified.",
    "rejected": "Requests the company rejected or challenged.",
    "devices": "Number of devices (serial or IMEI numbers) the requests named (Apple device requests).",
    "identifiers": "Number of financial identifiers (credit or gift cards) the requests named (Apple).",
    "accounts-preserved": "Accounts whose data the company preserved on a preservation request (Apple).",
    "no-data-found": "Requests answered with no data because none was found; Microsoft counts these apart "
    "from rejected requests.",
    "no-data-provided": "Requests answered with no data for a reason other than a rejection or challenge, "
    "which the company counts apart (Apple emergency requests).",
    "customers": "Number of enterprise customers (organisations, not individual accounts) the requests "
    "concerned (Google Cloud).",
    "push-tokens": "Number of push tokens the requests named (Apple).",
    "restricted": "Requests where the company restricted the account (Apple account restriction requests).",
    "deleted": "Requests where the company deleted the account (Apple account deletion requests).",
    "apps": "Number of apps the takedown requests named (Apple).",
    "removed": "Requests where at least one app was removed (Apple takedown requests).",
    "apps-removed": "Number of apps removed on takedown requests (Apple).",
    "appeals": "Appeals developers made against a takedown (Apple).",
    "appeals-granted": "Appeals that succeeded (Apple).",
    "apps-reinstated": "Apps put back after an appeal (Apple).",
}

#: Measures that are percentages (0-100), not counts. Everything else is a count.
PERCENT_MEASURES = frozenset({"some-data-pct", "content-disclosed-pct"})

#: Response measures that count requests and so can never exceed the
#: ``requests`` figure of the same period, jurisdiction and request type.
RESPONSE_PART_MEASURES = frozenset({"full-response", "partial-response", "no-response", "some-data"})

#: Request types that are part of ``all`` for the ``requests`` measure, for the
#: companies that report ``all``. Preservation and national-security demands
#: are not in this set: companies count them outside their totals.
REQUEST_TYPE_PARTS = frozenset(
    {"subpoena", "search-warrant", "other-court-order", "pen-register", "wiretap", "emergency"}
)

#: Kinds that add up to all of a company's requests when it publishes no total of its own
#: (preservation and national-security demands are counted outside totals).
SUMMABLE = REQUEST_TYPE_PARTS | {"2703d-order", "other-legal", "account", "device", "financial-identifier"}


def total_parts(request_types: Iterable[str]) -> list[str]:
    """The kinds whose sum is all of a period's requests where a company gives no total of its own: Microsoft's
    and Meta's legal-process requests with their emergency requests, else every summable kind it lists. The
    one rule for the charts, the computed figures and the staff preview."""
    given = set(request_types)
    if "legal-process" in given:
        return [kind for kind in ("legal-process", "emergency") if kind in given]
    return sorted(given & SUMMABLE)


#: Jurisdiction codes that are not ISO 3166-1 alpha-2 countries.
SPECIAL_JURISDICTIONS = {
    "NON-US": "All non-U.S. governments",
    "WW": "Worldwide",
    # Amazon's country charts (H2 2020 on) name their largest sources and group the rest as "Others".
    "OTHER": 'Other governments (the rest of a chart\'s "Others")',
}
