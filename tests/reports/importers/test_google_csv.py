"""The Google Transparency Report CSV importer: small fixtures cut from the real files, a "wild
copy" with other headers, day-first dates and Windows-1252, bad input, and the real files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reports.importers import google_csv
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

MAIN_SAMPLE = FIXTURES / "google" / "google-global-user-data-requests-sample.csv"
DLR_SAMPLE = FIXTURES / "google" / "google-global-user-data-dlr-requests-sample.csv"
ENTERPRISE_SAMPLE = FIXTURES / "google" / "google-enterprise-data-requests-sample.csv"
FISA_SAMPLE = FIXTURES / "google" / "google-usnationalsecurity-fisa-content-requests-sample.csv"
NSL_SAMPLE = FIXTURES / "google" / "google-usnationalsecurity-nsl-requests-sample.csv"

HEADER = (
    "Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests,Percentage disclosed,Accounts"
)

#: A copy of the main table as found elsewhere: renamed columns, day-first dates, thousands
#: separators, a percent sign, Windows line ends and Windows-1252 ("ç", "ô").
WILD_COPY = (
    "Period End Date,Country,Country Code,Request Type,Number of Requests,"
    "Percent of requests where some data produced,Users/Accounts Specified\r\n"
    '31/12/09,United States,US,All,"3,580",0,0\r\n'
    "30/6/17,Curaçao,CW,Other Legal Requests,2,50,3\r\n"
    "30/6/17,Côte d'Ivoire,CI,Emergency Disclosure Requests,1,100,1\r\n"
    '30/6/17,United States,US,Subpoenas,"9,320",78%,"17,642"\r\n'
).encode("cp1252")


def parse_file(path: Path) -> ParsedDocument:
    return google_csv.parse(path.read_bytes(), filename=path.name)


def parse_text(text: str, filename: str = "copy.csv") -> ParsedDocument:
    return google_csv.parse(text.encode(), filename=filename)


def figure(
    document: ParsedDocument, end: str, jurisdiction: str, request_type: str, measure: str, scope: str = "total"
) -> FigureRecord:
    """The one figure of the period ending ``end`` with that key; fails the test when absent."""
    for period in document.periods:
        if period.end == dt.date.fromisoformat(end) and period.scope == scope:
            for found in period.figures:
                if found.key == (jurisdiction, request_type, measure):
                    return found
    raise AssertionError(f"no figure {jurisdiction}/{request_type}/{measure} for {end} ({scope})")


def keys(document: ParsedDocument) -> set[tuple[str, str, str]]:
    return {f.key for period in document.periods for f in period.figures}


# --- the main table --------------------------------------------------------------------------


def test_it_reads_each_row_as_figures_of_a_six_month_period():
    document = parse_file(MAIN_SAMPLE)

    ends = [(p.start, p.end) for p in document.periods]
    assert (dt.date(2009, 7, 1), dt.date(2009, 12, 31)) in ends
    assert (dt.date(2020, 1, 1), dt.date(2020, 6, 30)) in ends
    assert all(p.company == "google" and p.scope == "total" for p in document.periods)
    subpoenas = figure(document, "2020-06-30", "US", "subpoena", "requests")
    assert subpoenas.value == Decimal("15537")
    assert subpoenas.location == "row 17, column User Data Requests"
    assert figure(document, "2020-06-30", "US", "subpoena", "some-data-pct").value == Decimal("83")
    assert figure(document, "2020-06-30", "US", "subpoena", "accounts").value == Decimal("38983")
    assert validate(document) is document


def test_it_maps_each_legal_process_to_a_request_type():
    document = parse_file(MAIN_SAMPLE)

    us_2020 = {f.request_type for p in document.periods if p.end == dt.date(2020, 6, 30) for f in p.figures}
    assert us_2020 >= {
        "emergency",
        "other-court-order",
        "other-legal",
        "pen-register",
        "preservation",
        "search-warrant",
        "subpoena",
        "wiretap",
        "police-request",
        "local-subsidiary",
    }
    # Ireland's "Court Orders" sit next to its search warrants: court orders other than warrants.
    assert figure(document, "2020-06-30", "IE", "other-court-order", "requests").value == Decimal("73")
    assert figure(document, "2020-06-30", "IE", "police-request", "requests").value == Decimal("59")
    assert figure(document, "2020-06-30", "RU", "local-subsidiary", "requests").value == Decimal("64")
    assert figure(document, "2009-12-31", "US", "all", "requests").value == Decimal("3580")


def test_a_blank_percentage_for_preservation_requests_is_not_reported_rather_than_zero():
    document = parse_file(MAIN_SAMPLE)

    share = figure(document, "2020-06-30", "US", "preservation", "some-data-pct")
    assert not share.is_reported
    assert share.value is None
    assert "blank" in share.note
    assert figure(document, "2020-06-30", "US", "preservation", "requests").value == Decimal("15588")


def test_zero_percent_and_zero_accounts_in_every_row_of_an_early_period_are_not_reported():
    document = parse_file(MAIN_SAMPLE)

    for country in ("AR", "BR", "US"):
        assert not figure(document, "2009-12-31", country, "all", "some-data-pct").is_reported
        assert not figure(document, "2009-12-31", country, "all", "accounts").is_reported
    assert any("2009-12-31" in w and "0% disclosed" in w for w in document.warnings)


def test_a_zero_percent_beside_real_percentages_of_the_same_period_is_a_real_zero():
    document = parse_file(MAIN_SAMPLE)

    assert figure(document, "2010-12-31", "HU", "all", "some-data-pct").value == Decimal("0")
    assert figure(document, "2010-12-31", "US", "all", "some-data-pct").value == Decimal("94")


def test_zero_accounts_for_a_nonzero_number_of_requests_is_not_reported():
    document = parse_file(MAIN_SAMPLE)

    accounts = figure(document, "2010-12-31", "US", "all", "accounts")
    assert not accounts.is_reported
    assert "4601 requests" in accounts.note


def test_a_row_without_figures_gives_figures_that_are_not_reported():
    document = parse_file(MAIN_SAMPLE)

    for measure in ("requests", "some-data-pct", "accounts"):
        assert not figure(document, "2021-06-30", "CN", "local-subsidiary", measure).is_reported


def test_a_row_for_an_international_organisation_is_left_out_with_a_warning():
    document = parse_file(MAIN_SAMPLE)

    assert not any(p.end == dt.date(2015, 6, 30) for p in document.periods)
    assert any("United Nations" in w and "row 7" in w for w in document.warnings)


def test_it_reads_a_wild_copy_with_other_headers_day_first_dates_and_windows_1252():
    document = google_csv.parse(WILD_COPY, filename="google-requests-copy.csv")

    assert [(p.start, p.end) for p in document.periods] == [
        (dt.date(2009, 7, 1), dt.date(2009, 12, 31)),
        (dt.date(2017, 1, 1), dt.date(2017, 6, 30)),
    ]
    assert figure(document, "2009-12-31", "US", "all", "requests").value == Decimal("3580")
    assert figure(document, "2017-06-30", "CW", "other-legal", "some-data-pct").value == Decimal("50")
    assert figure(document, "2017-06-30", "CI", "emergency", "accounts").value == Decimal("1")
    assert figure(document, "2017-06-30", "US", "subpoena", "some-data-pct").value == Decimal("78")
    assert figure(document, "2017-06-30", "US", "subpoena", "accounts").value == Decimal("17642")
    validate(document)


def test_it_maps_country_names_when_a_copy_has_no_territory_code():
    data = (
        "Period End Date,Country,Request Type,Number of Requests\r\n"
        "2017-06-30,Curaçao,Other Legal Requests,2\r\n"
        "2017-06-30,Côte d\u2019Ivoire,Search Warrants,1\r\n"
        "2017-06-30,Bosnia & Herzegovina,Subpoenas,4\r\n"
    ).encode("cp1252")

    document = google_csv.parse(data, filename="copy.csv")

    assert keys(document) == {("CW", "other-legal", "requests"), ("CI", "search-warrant", "requests")} | {
        ("BA", "subpoena", "requests")
    }


@pytest.mark.parametrize(
    ("written", "end"),
    [
        ("2017-06-30", dt.date(2017, 6, 30)),
        ("30/6/17", dt.date(2017, 6, 30)),
        ("31.12.2016", dt.date(2016, 12, 31)),
        ("6/30/2017", dt.date(2017, 6, 30)),
        ("December 31, 2016", dt.date(2016, 12, 31)),
    ],
)
def test_it_reads_iso_day_first_month_first_and_written_out_dates(written: str, end: dt.date):
    document = parse_text(f'{HEADER}\n"{written}",Germany,DE,Subpoenas,5,40,6\n')

    assert document.periods[0].end == end


def test_it_rejects_a_period_ending_that_is_not_the_end_of_a_half_year():
    with pytest.raises(DocumentError, match=r"2017-03-31 is neither") as caught:
        parse_text(f"{HEADER}\n2017-03-31,Germany,DE,Subpoenas,5,40,6\n")

    assert caught.value.location == "row 2, column Period Ending"


def test_it_rejects_a_date_that_reads_both_day_first_and_month_first():
    with pytest.raises(DocumentError, match=r"could be read day-first or month-first") as caught:
        parse_text(f"{HEADER}\n06/07/17,Germany,DE,Subpoenas,5,40,6\n")

    assert "row 2" in caught.value.location


def test_it_rejects_a_file_that_writes_dates_both_day_first_and_month_first():
    text = f"{HEADER}\n30/6/17,Germany,DE,Subpoenas,5,40,6\n12/31/17,Germany,DE,Subpoenas,5,40,6\n"

    with pytest.raises(DocumentError, match=r"month-first, but row 2 has a day-first date") as caught:
        parse_text(text)

    assert "row 3" in caught.value.location


def test_it_names_the_missing_column_and_the_header_it_found():
    header = "Period Ending,Country/Region,CLDR Territory Code,Legal Process,Percentage disclosed"
    text = f"{header}\n2017-06-30,Germany,DE,Subpoenas,40\n"

    with pytest.raises(DocumentError) as caught:
        parse_text(text)

    message = str(caught.value)
    assert "'User Data Requests'" in message
    assert "Period Ending, Country/Region, CLDR Territory Code, Legal Process, Percentage disclosed" in message


def test_it_names_the_row_and_column_of_a_bad_number():
    with pytest.raises(DocumentError, match=r"expected a number, found 'twelve'") as caught:
        parse_text(f"{HEADER}\n2017-06-30,Germany,DE,Subpoenas,5,40,6\n2017-06-30,France,FR,Subpoenas,twelve,40,6\n")

    assert caught.value.location == "row 3, column User Data Requests"


def test_it_rejects_a_fraction_of_a_request():
    with pytest.raises(DocumentError, match=r"whole number") as caught:
        parse_text(f"{HEADER}\n2017-06-30,Germany,DE,Subpoenas,5.5,40,6\n")

    assert caught.value.location == "row 2, column User Data Requests"


def test_an_unknown_legal_process_is_an_unknown_with_its_row_and_column_and_the_rest_imports():
    document = parse_text(
        f"{HEADER}\n2017-06-30,Germany,DE,Carrier Pigeons,5,40,6\n2017-06-30,Germany,DE,Subpoenas,5,40,6\n"
    )

    assert [(u.kind, u.place, u.text) for u in document.unknowns] == [
        ("label", "row 2, column Legal Process", "Carrier Pigeons")
    ]
    assert {f.request_type for p in document.periods for f in p.figures} == {"subpoena"}


def test_a_territory_code_that_is_no_country_is_an_unknown_jurisdiction():
    document = parse_text(f"{HEADER}\n2017-06-30,Nowhere,QQ,Subpoenas,5,40,6\n2017-06-30,Germany,DE,Subpoenas,5,40,6\n")

    assert [(u.kind, u.text) for u in document.unknowns] == [("jurisdiction", "QQ")]
    assert {f.jurisdiction for p in document.periods for f in p.figures} == {"DE"}


def test_it_rejects_the_same_period_country_and_legal_process_twice():
    text = f"{HEADER}\n2017-06-30,Germany,DE,Subpoenas,5,40,6\n2017-06-30,Germany,DE,Subpoenas,7,40,6\n"

    with pytest.raises(DocumentError, match=r"as row 2") as caught:
        parse_text(text)

    assert caught.value.location == "row 3"


def test_it_rejects_an_html_page_served_instead_of_the_csv():
    page = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>"

    with pytest.raises(DocumentError, match=r"HTML page"):
        google_csv.parse(page, filename="google-global-user-data-requests.csv")
    assert not google_csv.sniff(page, "google-global-user-data-requests.csv")


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf"])
def test_it_rejects_an_empty_document(data: bytes):
    with pytest.raises(DocumentError, match=r"the document is empty"):
        google_csv.parse(data, filename="empty.csv")


def test_it_rejects_a_header_without_rows():
    with pytest.raises(DocumentError, match=r"header but no rows"):
        parse_text(HEADER + "\n,,,,,,\n")


# --- the other tables ------------------------------------------------------------------------


def test_diplomatic_requests_are_summed_over_assisting_countries_with_the_parts_in_a_note():
    document = parse_file(DLR_SAMPLE)

    belgium = figure(document, "2019-06-30", "BE", "mlat", "requests")
    assert belgium.value == Decimal("4")
    assert belgium.note == "sum over assisting countries (Ireland: 2; United States: 2)"
    assert figure(document, "2019-06-30", "AL", "mlat", "requests").value == Decimal("1")
    assert figure(document, "2019-06-30", "BA", "mlat", "requests").value == Decimal("1")
    assert document.periods[0].start == dt.date(2019, 1, 1)
    validate(document)


def test_enterprise_requests_get_a_scope_per_product_and_count_customers():
    document = parse_file(ENTERPRISE_SAMPLE)

    assert {p.scope for p in document.periods} == {"enterprise-workspace", "enterprise-gcp"}
    subpoenas = figure(document, "2020-06-30", "US", "subpoena", "requests", scope="enterprise-workspace")
    assert subpoenas.value == Decimal("82")
    assert figure(document, "2020-06-30", "US", "subpoena", "customers", "enterprise-workspace").value == 93
    # Google rarely hands over GCP customers' data: these 0% are real figures.
    assert figure(document, "2020-06-30", "US", "subpoena", "some-data-pct", "enterprise-gcp").value == 0
    assert not figure(document, "2020-06-30", "US", "preservation", "some-data-pct", "enterprise-gcp").is_reported
    assert document.periods[0].source_url == google_csv.ENTERPRISE_SOURCE_URL
    validate(document)


def test_national_security_files_give_us_bands_named_by_the_file():
    fisa = parse_file(FISA_SAMPLE)
    nsl = parse_file(NSL_SAMPLE)

    requests = figure(fisa, "2020-06-30", "US", "fisa-content", "requests")
    assert (requests.value, requests.value_min, requests.value_max) == (None, 0, 499)
    accounts = figure(fisa, "2020-06-30", "US", "fisa-content", "accounts")
    assert (accounts.value_min, accounts.value_max) == (73500, 73999)
    letters = figure(nsl, "2021-12-31", "US", "nsl", "requests")
    assert (letters.value_min, letters.value_max) == (2, 499)
    assert [p.start for p in nsl.periods] == sorted(p.start for p in nsl.periods)
    assert "National Security Letters" in nsl.title
    validate(fisa)
    validate(nsl)


def test_the_non_content_fisa_file_is_told_apart_by_its_name():
    document = google_csv.parse(FISA_SAMPLE.read_bytes(), filename="google-usnationalsecurity-fisa-non-content.csv")

    assert {f.request_type for p in document.periods for f in p.figures} == {"fisa-non-content"}


def test_a_national_security_file_whose_name_does_not_say_which_it_is_is_rejected():
    with pytest.raises(DocumentError, match=r"only the file name tells them apart"):
        google_csv.parse(FISA_SAMPLE.read_bytes(), filename="download.csv")


def test_it_uses_the_report_page_as_source_unless_given_one():
    default = parse_file(MAIN_SAMPLE)
    given = google_csv.parse(MAIN_SAMPLE.read_bytes(), filename="x.csv", source_url="https://example.org/copy.csv")

    assert {p.source_url for p in default.periods} == {"https://transparencyreport.google.com/user-data/overview"}
    assert {p.source_url for p in given.periods} == {"https://example.org/copy.csv"}
    assert default.publisher == "Google LLC"
    assert default.title.startswith("Google Transparency Report")
    assert default.format == google_csv.FORMAT == "google_csv"


def test_sniff_recognises_every_google_table_and_no_other_format():
    for path in (MAIN_SAMPLE, DLR_SAMPLE, ENTERPRISE_SAMPLE, FISA_SAMPLE, NSL_SAMPLE):
        assert google_csv.sniff(path.read_bytes(), path.name), path.name
    assert google_csv.sniff(WILD_COPY, "copy.csv")

    canonical = (
        b"company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,"
        b"source_url\ngoogle,total,2020-01-01,2020-06-30,US,subpoena,requests,15537,,,https://example.org\n"
    )
    apple = (
        b"TR Period,TR Start Date,TR End Date,Country/Region,National Security Request Type,Requests Received\n"
        b"H1 2020,1/1/20,6/30/20,United States,FISA Non-Content,0 - 499\n"
    )
    for other in (canonical, apple, b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"PK\x03\x04\x14\x00\x06\x00"):
        assert not google_csv.sniff(other, "file.csv")
    for path in (FIXTURES / "meta").glob("*.csv"):
        assert not google_csv.sniff(path.read_bytes(), path.name), path.name


# --- the real files (../shared/data; the shared_data fixture skips when it is absent) ---------

REAL_FILES = (
    "google-global-user-data-requests.csv",
    "google-global-user-data-dlr-requests.csv",
    "google-enterprise-data-requests.csv",
    "google-usnationalsecurity-fisa-content-requests.csv",
    "google-usnationalsecurity-fisa-non-content-requests.csv",
    "google-usnationalsecurity-nsl-requests.csv",
)


def real(shared_data: Path, name: str) -> ParsedDocument:
    return parse_file(shared_data / "reports" / "google" / name)


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_google_file_is_recognised_parses_and_validates(shared_data: Path, name: str):
    data = (shared_data / "reports" / "google" / name).read_bytes()

    document = validate(google_csv.parse(data, filename=name))

    assert google_csv.sniff(data, name)
    assert document.figure_count > 50


def test_real_main_file_figures_match_the_published_table(shared_data: Path):
    document = real(shared_data, "google-global-user-data-requests.csv")

    assert len(document.periods) == 28
    assert document.periods[0].start == dt.date(2009, 7, 1)
    assert document.periods[-1].end == dt.date(2023, 6, 30)
    assert figure(document, "2023-06-30", "US", "subpoena", "requests").value == Decimal("22679")
    assert figure(document, "2023-06-30", "US", "search-warrant", "accounts").value == Decimal("42458")
    # The United Kingdom's CLOUD Act rows are a legal process this importer does not know: unknowns.
    assert {u.text for u in document.unknowns} == {"CLOUD ACT - OPOs", "CLOUD Act - IPA CDRs"}
    assert figure(document, "2020-06-30", "US", "subpoena", "requests").value == Decimal("15537")
    assert figure(document, "2020-06-30", "US", "search-warrant", "requests").value == Decimal("19783")
    assert figure(document, "2020-06-30", "US", "subpoena", "accounts").value == Decimal("38983")
    assert figure(document, "2022-06-30", "US", "search-warrant", "some-data-pct").value == Decimal("86")
    assert figure(document, "2009-12-31", "BR", "all", "requests").value == Decimal("3663")
    assert not figure(document, "2009-12-31", "BR", "all", "some-data-pct").is_reported
    types = {f.request_type for p in document.periods for f in p.figures}
    assert types == {
        "all",
        "subpoena",
        "search-warrant",
        "other-court-order",
        "pen-register",
        "wiretap",
        "emergency",
        "preservation",
        "other-legal",
        "police-request",
        "local-subsidiary",
    }
    preservation_shares = [
        f
        for p in document.periods
        for f in p.figures
        if f.request_type == "preservation" and f.measure == "some-data-pct"
    ]
    assert len(preservation_shares) == 808
    assert not any(f.is_reported for f in preservation_shares)


def test_real_national_security_and_diplomatic_figures_match_the_published_tables(shared_data: Path):
    fisa = real(shared_data, "google-usnationalsecurity-fisa-non-content-requests.csv")
    nsl = real(shared_data, "google-usnationalsecurity-nsl-requests.csv")
    dlr = real(shared_data, "google-global-user-data-dlr-requests.csv")

    # This edition revised the band from the 28,000-28,499 of the edition it replaced (superseded/).
    accounts = figure(fisa, "2021-12-31", "US", "fisa-non-content", "accounts")
    assert (accounts.value_min, accounts.value_max) == (28500, 28999)
    letters = figure(nsl, "2022-06-30", "US", "nsl", "requests")
    assert (letters.value_min, letters.value_max) == (500, 999)
    assert figure(dlr, "2019-06-30", "BE", "mlat", "requests").value == Decimal("4")


def test_sniff_tells_real_google_files_from_the_other_companies_files(shared_data: Path):
    others = [p for p in (shared_data / "reports").glob("*/*") if p.parent.name != "google" and p.is_file()]

    assert others
    assert not [p.name for p in others if google_csv.sniff(p.read_bytes(), p.name)]
