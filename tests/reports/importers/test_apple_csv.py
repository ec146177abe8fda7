"""Apple's per-kind transparency CSVs: fixtures cut from the real files, plus the real files when present."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reports.importers import apple_csv
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "apple"
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
REAL_APPLE = SHARED_DATA / "reports" / "apple"

H1_2013 = dt.date(2013, 1, 1)
H2_2021 = dt.date(2021, 7, 1)

ACCOUNT_HEADER = (
    "TR Period,TR Start Date,TR End Date,Country/Region,Account Requests Received,Accounts Specified in Requests,"
    "Requests Challenged in Part or Rejected in Full,Requests where Only Non-Content Data Provided,"
    "Requests where Content Provided,Percentage of Requests where Data Provided"
)
NS_HEADER = (
    "TR Period,TR Start Date,TR End Date,Country/Region,National Security Request Type,Requests Received,Users/Accounts"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def figures(document: ParsedDocument) -> dict[tuple[dt.date, str, str, str], FigureRecord]:
    """Every figure of a document by (period start, jurisdiction, request type, measure)."""
    return {(p.start, *f.key): f for p in document.periods for f in p.figures}


def value(document: ParsedDocument, start: dt.date, jurisdiction: str, request_type: str, measure: str) -> Decimal:
    figure = figures(document)[(start, jurisdiction, request_type, measure)]
    assert figure.value is not None
    return figure.value


# --- recognising the format -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.csv")))
def test_it_recognises_every_apple_file_by_its_header(name: str) -> None:
    assert apple_csv.sniff(fixture(name), "anything.txt")


@pytest.mark.parametrize(
    "content",
    [
        b"company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n",
        b"Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests,Percentage disclosed,"
        b"Accounts\n2009-12-31,Argentina,AR,All,98,0,0\n",
        b"Country,Total Requests,Total Users/Accounts Requested,Percent Requests Where Some Data Produced\n",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"<!DOCTYPE html><html><body>TR Period,TR Start Date,TR End Date,Country/Region</body></html>",
        b"",
    ],
    ids=["canonical", "google", "meta", "zip", "html", "empty"],
)
def test_it_does_not_claim_other_formats(content: bytes) -> None:
    assert not apple_csv.sniff(content, "account_requests.csv")


def test_it_tells_the_kind_of_request_from_the_header_not_the_file_name() -> None:
    document = apple_csv.parse(fixture("account_requests.csv"), filename="device_requests.csv")

    assert {f.request_type for p in document.periods for f in p.figures} == {"account"}
    assert document.title == "Apple Transparency Report: Account Requests"


# --- what each file maps to -------------------------------------------------------------------


def test_account_requests_give_requests_accounts_rejections_disclosures_and_the_share_with_data() -> None:
    document = apple_csv.parse(fixture("account_requests.csv"), filename="account_requests.csv")

    assert value(document, H1_2013, "AU", "account", "requests") == 74
    assert value(document, H1_2013, "AU", "account", "accounts") == 75
    assert value(document, H1_2013, "AU", "account", "rejected") == 22
    assert value(document, H1_2013, "AU", "account", "non-content-disclosed") == 40
    assert value(document, H1_2013, "AU", "account", "content-disclosed") == 0
    assert value(document, H1_2013, "AU", "account", "some-data-pct") == 54
    assert value(document, H2_2021, "US", "account", "content-disclosed") == 2841


def test_device_requests_count_the_devices_named_and_the_requests_answered_with_data() -> None:
    document = apple_csv.parse(fixture("device_requests.csv"))

    assert value(document, H1_2013, "AU", "device", "requests") == 1178
    assert value(document, H1_2013, "AU", "device", "devices") == 1929
    assert value(document, H1_2013, "AU", "device", "some-data") == 695
    assert value(document, H1_2013, "AU", "device", "some-data-pct") == 59
    assert value(document, H1_2013, "BS", "device", "some-data-pct") == 100


def test_financial_identifier_requests_count_the_identifiers_named() -> None:
    document = apple_csv.parse(fixture("financial_identifier_requests.csv"))
    h2_2016 = dt.date(2016, 7, 1)

    assert value(document, h2_2016, "AU", "financial-identifier", "requests") == 124
    assert value(document, h2_2016, "AU", "financial-identifier", "identifiers") == 1718
    assert value(document, h2_2016, "AU", "financial-identifier", "some-data") == 93
    assert value(document, h2_2016, "AU", "financial-identifier", "some-data-pct") == 75


def test_preservation_requests_count_the_accounts_whose_data_was_preserved() -> None:
    document = apple_csv.parse(fixture("account_preservation_requests.csv"))
    h2_2016 = dt.date(2016, 7, 1)

    assert value(document, h2_2016, "CA", "preservation", "requests") == 8
    assert value(document, h2_2016, "CA", "preservation", "accounts") == 11
    assert value(document, h2_2016, "CA", "preservation", "accounts-preserved") == 11
    assert value(document, h2_2016, "AT", "preservation", "accounts-preserved") == 0


def test_emergency_requests_split_into_rejected_no_data_and_data_provided() -> None:
    document = apple_csv.parse(fixture("emergency_requests.csv"))

    assert value(document, H2_2021, "US", "emergency", "requests") == 423
    assert value(document, H2_2021, "US", "emergency", "rejected") == 8
    assert value(document, H2_2021, "US", "emergency", "no-data-provided") == 44
    assert value(document, H2_2021, "US", "emergency", "some-data") == 371
    assert value(document, H2_2021, "US", "emergency", "some-data-pct") == 88


def test_a_dash_is_a_figure_not_reported_never_a_zero() -> None:
    document = apple_csv.parse(fixture("emergency_requests.csv"))
    found = figures(document)
    h1_2015 = dt.date(2015, 1, 1)

    assert found[(h1_2015, "AT", "emergency", "requests")].value == 1
    for measure in ("rejected", "no-data-provided", "some-data", "some-data-pct"):
        figure = found[(h1_2015, "AT", "emergency", measure)]
        assert not figure.is_reported
        assert figure.value is None


def test_national_security_bands_become_minimum_and_maximum_by_the_type_each_row_names() -> None:
    document = apple_csv.parse(fixture("us_national_security_requests.csv"))
    found = figures(document)

    requests_2017 = found[(dt.date(2017, 1, 1), "US", "national-security", "requests")]
    assert (requests_2017.value, requests_2017.value_min, requests_2017.value_max) == (None, 13254, 13499)
    accounts_2017 = found[(dt.date(2017, 1, 1), "US", "national-security", "accounts")]
    assert (accounts_2017.value_min, accounts_2017.value_max) == (9005, 9249)
    assert (
        found[(H2_2021, "US", "nsl", "accounts")].value_min,
        found[(H2_2021, "US", "nsl", "accounts")].value_max,
    ) == (
        500,
        999,
    )
    assert found[(H2_2021, "US", "fisa-content", "requests")].value_max == 499
    assert found[(H2_2021, "US", "fisa-non-content", "accounts")].value_min == 25000


def test_dates_are_read_month_first_with_two_digit_years_and_each_half_year_is_its_own_period() -> None:
    document = apple_csv.parse(fixture("account_requests.csv"))

    assert [(p.start, p.end) for p in document.periods] == [
        (dt.date(2013, 1, 1), dt.date(2013, 6, 30)),
        (dt.date(2021, 7, 1), dt.date(2021, 12, 31)),
    ]
    assert {(p.company, p.scope) for p in document.periods} == {("apple", "total")}


def test_four_digit_years_and_iso_dates_are_read_too() -> None:
    document = apple_csv.parse(
        csv_bytes(ACCOUNT_HEADER, "2013 H1,1/1/2013,2013-06-30,Austria,2,2,1,1,0,50%"), filename="copy.csv"
    )

    assert (document.periods[0].start, document.periods[0].end) == (dt.date(2013, 1, 1), dt.date(2013, 6, 30))


def test_country_names_become_iso_codes() -> None:
    document = apple_csv.parse(
        csv_bytes(
            ACCOUNT_HEADER,
            "2021 H2,7/1/21,12/31/21,China mainland,1,1,0,1,0,100%",
            "2021 H2,7/1/21,12/31/21,Kosovo,1,1,0,1,0,100%",
            "2021 H2,7/1/21,12/31/21,Macau,1,1,0,1,0,100%",
            "2021 H2,7/1/21,12/31/21,Russia,1,1,0,1,0,100%",
            "2021 H2,7/1/21,12/31/21,Turkey,1,1,0,1,0,100%",
        )
    )

    assert {f.jurisdiction for f in document.periods[0].figures} == {"CN", "XK", "MO", "RU", "TR"}


def test_the_source_url_defaults_to_apples_transparency_page_and_the_document_names_its_publisher() -> None:
    default = apple_csv.parse(fixture("device_requests.csv"))
    given = apple_csv.parse(fixture("device_requests.csv"), source_url="https://example.org/archived.csv")

    assert {p.source_url for p in default.periods} == {"https://www.apple.com/legal/transparency/"}
    assert {p.source_url for p in given.periods} == {"https://example.org/archived.csv"}
    assert default.publisher == "Apple Inc."
    assert default.format == "apple_csv"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.csv")))
def test_every_fixture_passes_the_data_model_checks(name: str) -> None:
    document = validate(apple_csv.parse(fixture(name), filename=name), filename=name)

    assert document.figure_count > 0
    assert document.warnings == []


def test_a_period_label_that_contradicts_the_dates_is_recorded_as_a_warning() -> None:
    document = apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2014 H1,1/1/13,6/30/13,Austria,2,2,1,1,0,50%"))

    assert len(document.warnings) == 1
    assert "'2014 H1'" in document.warnings[0]
    assert document.periods[0].start == dt.date(2013, 1, 1)


def test_a_column_apple_adds_later_is_reported_not_dropped_in_silence() -> None:
    header = ACCOUNT_HEADER + ",Requests where Users Notified"
    document = apple_csv.parse(csv_bytes(header, "2013 H1,1/1/13,6/30/13,Austria,2,2,1,1,0,50%,1"))

    assert [(u.kind, u.text) for u in document.unknowns] == [("column", "Requests where Users Notified")]
    assert document.figure_count == 6


# --- bad input ----------------------------------------------------------------------------------


def test_a_file_that_lacks_one_of_its_kinds_columns_imports_the_rest_and_says_what_is_missing() -> None:
    header = ACCOUNT_HEADER.replace(",Requests where Content Provided", "")

    document = apple_csv.parse(csv_bytes(header, "2013 H1,1/1/13,6/30/13,Austria,2,2,1,1,50%"), filename="a.csv")

    assert document.figure_count == 5
    assert any("requests where content provided" in warning for warning in document.warnings)


def test_a_kind_of_request_it_does_not_know_is_one_unknown_and_imports_nothing() -> None:
    document = apple_csv.parse(
        csv_bytes("TR Period,TR Start Date,TR End Date,Country/Region,Things Received", "x,1/1/13,6/30/13,A,1")
    )

    assert document.periods == []
    assert [(u.kind, u.text) for u in document.unknowns] == [("file", "Things Received")]


def test_it_rejects_a_csv_that_is_not_apples() -> None:
    with pytest.raises(DocumentError, match="not an Apple transparency CSV"):
        apple_csv.parse(b"company,scope,period_start,period_end\namazon,total,2020-01-01,2020-06-30\n")


def test_it_rejects_a_figure_that_is_not_a_number_and_says_where() -> None:
    with pytest.raises(DocumentError) as error:
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,1/1/13,6/30/13,Austria,two,2,1,1,0,50%"), filename="a.csv")

    assert "a.csv" in str(error.value)
    assert "row 2" in str(error.value)
    assert "'two'" in str(error.value)


def test_it_rejects_a_percentage_where_a_count_belongs() -> None:
    with pytest.raises(DocumentError, match="expected a count"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,1/1/13,6/30/13,Austria,2,2,1%,1,0,50%"))


def test_it_rejects_a_share_above_one_hundred_percent() -> None:
    with pytest.raises(DocumentError, match="cannot exceed 100"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,1/1/13,6/30/13,Austria,2,2,1,1,0,150%"))


def test_it_rejects_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(DocumentError, match="ends"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,6/30/13,1/1/13,Austria,2,2,1,1,0,50%"))


def test_it_rejects_a_date_it_cannot_read() -> None:
    with pytest.raises(DocumentError, match="'13/45/13' is not a valid date"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,13/45/13,6/30/13,Austria,2,2,1,1,0,50%"))


def test_it_rejects_a_band_whose_min_exceeds_max() -> None:
    with pytest.raises(DocumentError, match="above its maximum"):
        apple_csv.parse(
            csv_bytes(NS_HEADER, "2013 H1,1/1/13,6/30/13,United States of America,National Security,499 - 250,0 - 249")
        )


def test_a_national_security_type_it_does_not_know_is_an_unknown_label() -> None:
    document = apple_csv.parse(
        csv_bytes(NS_HEADER, "2013 H1,1/1/13,6/30/13,United States of America,Secret,0 - 249,0 - 249")
    )

    assert document.figure_count == 0
    assert [(u.kind, u.place, u.text) for u in document.unknowns] == [
        ("label", "row 2, column 'National Security Request Type'", "Secret")
    ]


def test_a_country_it_cannot_place_is_an_unknown_and_the_other_rows_import() -> None:
    document = apple_csv.parse(
        csv_bytes(
            ACCOUNT_HEADER,
            "2013 H1,1/1/13,6/30/13,Atlantis,2,2,1,1,0,50%",
            "2013 H1,1/1/13,6/30/13,Austria,2,2,1,1,0,50%",
        )
    )

    assert {f.jurisdiction for p in document.periods for f in p.figures} == {"AT"}
    assert [(u.kind, u.text) for u in document.unknowns] == [("jurisdiction", "Atlantis")]


def test_it_rejects_the_same_country_twice_in_one_period() -> None:
    row = "2013 H1,1/1/13,6/30/13,Austria,2,2,1,1,0,50%"

    with pytest.raises(DocumentError, match="already appears on row 2"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, row, row))


def test_it_rejects_a_row_with_missing_cells() -> None:
    with pytest.raises(DocumentError, match="expected 10 cells"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER, "2013 H1,1/1/13,6/30/13,Austria,2,2"))


def test_it_rejects_an_html_page_served_instead_of_the_csv() -> None:
    with pytest.raises(DocumentError, match="HTML"):
        apple_csv.parse(b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>")


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n"])
def test_it_rejects_an_empty_document(content: bytes) -> None:
    with pytest.raises(DocumentError, match="empty"):
        apple_csv.parse(content)


def test_it_rejects_a_header_with_no_rows() -> None:
    with pytest.raises(DocumentError, match="no rows"):
        apple_csv.parse(csv_bytes(ACCOUNT_HEADER))


# --- the real documents -------------------------------------------------------------------------

real_only = pytest.mark.skipif(
    not REAL_APPLE.is_dir(), reason=f"the real Apple CSVs are not here ({REAL_APPLE}); a fresh clone has no ../shared"
)

REAL_FILES = {
    "account_preservation_requests.csv": "preservation",
    "account_requests.csv": "account",
    "device_requests.csv": "device",
    "emergency_requests.csv": "emergency",
    "financial_identifier_requests.csv": "financial-identifier",
    "us_national_security_requests.csv": None,
}


def real(name: str) -> ParsedDocument:
    path = REAL_APPLE / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return apple_csv.parse(path.read_bytes(), filename=name)


@real_only
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_every_real_file_is_recognised_parses_and_validates(name: str) -> None:
    data = (REAL_APPLE / name).read_bytes()

    document = validate(apple_csv.parse(data, filename=name), filename=name)

    assert apple_csv.sniff(data, name)
    assert document.warnings == []
    expected_type = REAL_FILES[name]
    if expected_type:
        assert {f.request_type for p in document.periods for f in p.figures} == {expected_type}


@real_only
def test_the_real_account_requests_hold_known_figures() -> None:
    document = real("account_requests.csv")

    assert len(document.periods) == 20  # H1 2013 .. H2 2022
    assert value(document, dt.date(2022, 7, 1), "US", "account", "requests") == 8480
    assert value(document, dt.date(2022, 7, 1), "US", "account", "accounts") == 343718
    assert value(document, H1_2013, "AU", "account", "requests") == 74
    assert value(document, H1_2013, "AU", "account", "some-data-pct") == 54
    assert value(document, H2_2021, "US", "account", "requests") == 6646
    assert value(document, H2_2021, "US", "account", "accounts") == 19589


@real_only
def test_the_real_device_financial_and_preservation_files_hold_known_figures() -> None:
    devices = real("device_requests.csv")
    financial = real("financial_identifier_requests.csv")
    preservation = real("account_preservation_requests.csv")
    h2_2016 = dt.date(2016, 7, 1)

    assert value(devices, H1_2013, "AU", "device", "devices") == 1929
    assert value(devices, H2_2021, "DE", "device", "requests") == 11921
    assert value(financial, h2_2016, "AU", "financial-identifier", "identifiers") == 1718
    assert value(preservation, H2_2021, "US", "preservation", "accounts-preserved") == 8865


@real_only
def test_the_real_emergency_file_leaves_the_early_breakdowns_unreported() -> None:
    document = real("emergency_requests.csv")
    found = figures(document)
    h1_2015 = dt.date(2015, 1, 1)

    assert value(document, h1_2015, "CA", "emergency", "requests") == 14
    assert not found[(h1_2015, "CA", "emergency", "some-data")].is_reported
    assert value(document, H2_2021, "US", "emergency", "some-data") == 371


@real_only
def test_the_real_national_security_file_gives_bands_by_type() -> None:
    document = real("us_national_security_requests.csv")
    found = figures(document)

    # This edition raised the band's lower end from the 1,250 of the edition it replaced (superseded/).
    h2_2015 = found[(dt.date(2015, 7, 1), "US", "national-security", "requests")]
    assert (h2_2015.value_min, h2_2015.value_max) == (1251, 1499)
    nsl_2018 = found[(dt.date(2018, 1, 1), "US", "nsl", "requests")]
    assert (nsl_2018.value_min, nsl_2018.value_max) == (3, 499)
    assert document.figure_count == 80


@real_only
@pytest.mark.parametrize("folder", ["google", "meta", "microsoft"])
def test_it_does_not_claim_the_other_companies_real_files(folder: str) -> None:
    paths = sorted(p for p in (SHARED_DATA / "reports" / folder).glob("*") if p.suffix in {".csv", ".xlsx"})
    if not paths:
        pytest.skip(f"no {folder} files in {SHARED_DATA}")

    assert not any(apple_csv.sniff(path.read_bytes(), path.name) for path in paths)
