"""The Meta (Facebook) government-requests CSV importer: fixtures cut byte for byte from the real
files (BOMs, CRLF and bare-CR line ends kept), bad input, and the real files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reports.importers import google_csv, meta_csv
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
H1_2020 = FIXTURES / "PRPL-Facebook-Government-Report-2020_H1-sample.csv"
H1_2013 = FIXTURES / "PRPL-Facebook-Government-Report-2013_H1-sample.csv"
H1_2016 = FIXTURES / "PRPL-Facebook-Government-Report-2016_H1-sample.csv"
H1_2018 = FIXTURES / "PRPL-Facebook-Government-Report-2018_H1-sample.csv"
H2_2019 = FIXTURES / "PRPL-Facebook-Government-Report-2019_H2-sample.csv"

HEADER = "Country,Total Requests,Total Requests Accounts,Total Requests Percentage"


def parse_file(path: Path) -> ParsedDocument:
    return meta_csv.parse(path.read_bytes(), filename=path.name)


def parse_text(text: str, filename: str = "PRPL-Facebook-Government-Report-2020_H1.csv") -> ParsedDocument:
    return meta_csv.parse(text.encode(), filename=filename)


def figure(document: ParsedDocument, jurisdiction: str, request_type: str, measure: str) -> FigureRecord:
    for found in document.periods[0].figures:
        if found.key == (jurisdiction, request_type, measure):
            return found
    raise AssertionError(f"no figure {jurisdiction}/{request_type}/{measure}")


def keys(document: ParsedDocument, jurisdiction: str | None = None) -> set[tuple[str, str, str]]:
    return {f.key for f in document.periods[0].figures if jurisdiction in (None, f.jurisdiction)}


# --- reading ---------------------------------------------------------------------------------


def test_it_reads_one_half_year_named_by_the_file_with_one_row_per_country():
    document = parse_file(H1_2020)

    [period] = document.periods
    assert (period.company, period.scope, period.start, period.end) == (
        "meta",
        "total",
        dt.date(2020, 1, 1),
        dt.date(2020, 6, 30),
    )
    assert {f.jurisdiction for f in period.figures} == {"US", "XK", "AD", "BS", "CW"}
    assert document.title == "Meta government requests for user data, H1 2020"
    assert document.publisher == "Meta Platforms, Inc."
    assert period.source_url == "https://transparency.fb.com/data/government-data-requests/"
    validate(document)


def test_totals_legal_process_emergency_and_preservation_are_read_with_thousands_separators():
    document = parse_file(H1_2020)

    expected = {
        ("all", "requests"): 61528,
        ("all", "some-data"): 54181,
        ("all", "accounts"): 106114,
        ("all", "some-data-pct"): 88,
        ("legal-process", "requests"): 57910,
        ("legal-process", "some-data"): 51424,
        ("emergency", "requests"): 3618,
        ("emergency", "some-data-pct"): 76,
        ("preservation", "requests"): 82142,
        ("preservation", "accounts-preserved"): 141631,
    }
    for (request_type, measure), value in expected.items():
        assert figure(document, "US", request_type, measure).value == Decimal(value), (request_type, measure)
    assert figure(document, "US", "all", "requests").location == "row 6, column Total Requests"


def test_us_legal_process_kinds_are_read_for_the_united_states():
    document = parse_file(H1_2020)

    assert figure(document, "US", "search-warrant", "requests").value == 35856
    assert figure(document, "US", "subpoena", "accounts").value == 23399
    assert figure(document, "US", "other-court-order", "requests").value == 2140
    assert figure(document, "US", "2703d-order", "requests").value == 1050
    assert figure(document, "US", "pen-register", "some-data-pct").value == 94
    assert figure(document, "US", "wiretap", "requests").value == 305
    # Meta's CSVs name FISA, NSL and MLAT columns but leave them blank in every row: no figure at all,
    # so that an empty column never overwrites bands taken from another document.
    assert not {t for _, t, _ in keys(document, "US")} & {"fisa-content", "fisa-non-content", "nsl", "mlat"}
    assert not {t for _, t, _ in keys(document, "XK")} & {"search-warrant", "subpoena", "wiretap"}


def test_a_range_is_read_as_a_band():
    document = parse_file(H1_2013)

    requests = figure(document, "US", "all", "requests")
    assert (requests.value, requests.value_min, requests.value_max) == (None, 11000, 12000)
    accounts = figure(document, "US", "all", "accounts")
    assert (accounts.value_min, accounts.value_max) == (20000, 21000)
    assert figure(document, "US", "all", "some-data-pct").value == 79
    validate(document)


def test_the_older_emergency_disclosures_columns_stand_in_for_emergency_requests():
    document = parse_file(H1_2016)

    assert figure(document, "US", "emergency", "requests").value == 1107
    assert figure(document, "US", "emergency", "accounts").value == 1590
    assert figure(document, "GB", "emergency", "requests").is_reported
    assert not document.warnings


def test_emergency_disclosures_that_disagree_with_emergency_requests_give_a_warning():
    text = (
        "Country,Total Requests,Emergency Request Total,Emergency Disclosures\r\n"
        "United States,100,10,12\r\n"
        "Germany,50,,5\r\n"
    )

    document = parse_text(text)

    assert figure(document, "US", "emergency", "requests").value == 10
    assert figure(document, "DE", "emergency", "requests").value == 5
    assert any("'Emergency Disclosures' (12)" in w and "row 2" in w for w in document.warnings)


def test_a_blank_cell_is_not_reported_where_its_column_has_figures_for_other_countries():
    document = parse_file(H1_2016)

    preservation = figure(document, "PA", "preservation", "requests")
    assert not preservation.is_reported
    assert preservation.note == "blank in the document"
    assert figure(document, "US", "preservation", "requests").value == 31893


def test_a_column_blank_in_every_row_gives_no_figures():
    document = parse_file(H1_2013)

    assert {t for _, t, _ in keys(document)} == {"all"}


def test_a_share_of_zero_requests_is_left_out_rather_than_stored_as_zero():
    document = parse_file(H1_2020)

    assert figure(document, "AD", "all", "requests").value == 0
    assert ("AD", "all", "some-data-pct") not in keys(document)


def test_zero_accounts_for_a_nonzero_number_of_requests_is_not_reported():
    document = parse_file(H1_2016)

    accounts = figure(document, "BZ", "all", "accounts")
    assert not accounts.is_reported
    assert accounts.note == "0 accounts for 2 requests: not reported"
    assert figure(document, "BZ", "all", "requests").value == 2


def test_country_names_pycountry_misses_map_through_aliases():
    assert {f.jurisdiction for f in parse_file(H1_2020).periods[0].figures} >= {"XK", "BS", "CW"}
    assert "AN" in {f.jurisdiction for f in parse_file(H2_2019).periods[0].figures}


def test_it_reads_a_file_whose_lines_end_with_a_bare_carriage_return():
    data = H2_2019.read_bytes()
    assert b"\n" not in data

    document = meta_csv.parse(data, filename=H2_2019.name)

    assert (document.periods[0].start, document.periods[0].end) == (dt.date(2019, 7, 1), dt.date(2019, 12, 31))
    assert figure(document, "US", "all", "requests").value == 51121
    assert figure(document, "US", "preservation", "requests").value == 65839


def test_rows_of_bare_commas_are_skipped():
    document = parse_file(H1_2018)

    assert {f.jurisdiction for f in document.periods[0].figures} == {"US", "FR"}


def test_it_takes_the_period_from_a_period_column_when_the_copy_has_one():
    text = "Country,Period,Total Requests\r\nGermany,2018 H2,5\r\nFrance,2018 H2,7\r\n"

    document = parse_text(text, filename="meta-export.csv")

    assert (document.periods[0].start, document.periods[0].end) == (dt.date(2018, 7, 1), dt.date(2018, 12, 31))


def test_it_rejects_a_period_column_that_disagrees_with_the_file_name():
    text = "Country,Period,Total Requests\r\nGermany,2018 H2,5\r\n"

    with pytest.raises(DocumentError, match=r"file name says 2020-01-01..2020-06-30"):
        parse_text(text)


def test_it_says_so_when_neither_the_content_nor_the_file_name_gives_the_period():
    with pytest.raises(DocumentError, match=r"cannot tell which half year"):
        parse_text(f"{HEADER}\r\nGermany,5,6,50%\r\n", filename="download.csv")


# --- bad input -------------------------------------------------------------------------------


def test_a_country_it_cannot_map_is_an_unknown_with_its_row_and_the_rest_imports():
    document = parse_text(f"{HEADER}\r\nGermany,5,6,50%\r\nAtlantis,1,1,0%\r\n")

    assert [(u.kind, u.place, u.text) for u in document.unknowns] == [
        ("jurisdiction", "row 3, column Country", "Atlantis")
    ]
    assert {f.jurisdiction for f in document.periods[0].figures} == {"DE"}


def test_somaliland_is_not_merged_into_somalia():
    document = parse_text(f"{HEADER}\r\nSomaliland,5,6,50%\r\n")

    assert [(u.kind, u.text) for u in document.unknowns] == [("jurisdiction", "Somaliland")]
    assert document.figure_count == 0


def test_it_names_the_row_and_column_of_a_bad_number():
    with pytest.raises(DocumentError, match=r"expected a number, found '12 or so'") as caught:
        parse_text(f"{HEADER}\r\nGermany,5,6,50%\r\nFrance,12 or so,1,0%\r\n")

    assert caught.value.location == "row 3, column Total Requests"


def test_it_rejects_two_rows_for_the_same_country():
    with pytest.raises(DocumentError, match=r"'Macao' is the same country \(MO\) as row 2"):
        parse_text(f"{HEADER}\r\nMacau,5,6,50%\r\nMacao,1,1,0%\r\n")


def test_it_names_a_missing_column_and_the_header_it_found():
    with pytest.raises(DocumentError, match=r"missing the 'Country' column; the header found is: Nation, Total"):
        parse_text("Nation,Total Requests\r\nGermany,5\r\n")
    with pytest.raises(DocumentError, match=r"no column of figures this importer knows"):
        meta_csv.parse(b"Country,Requests\r\nGermany,5\r\n", filename="PRPL-Facebook-Government-Report-2019_H2.csv")


def test_unknown_columns_are_named_in_a_warning():
    document = parse_text(f"{HEADER},Carrier Pigeons\r\nGermany,5,6,50%,3\r\n")

    assert [(u.kind, u.text) for u in document.unknowns] == [("label", "Carrier Pigeons")]
    assert document.warnings == []


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b",,,,\r\n,,,\r\n"])
def test_it_rejects_an_empty_document(data: bytes):
    with pytest.raises(DocumentError, match=r"the document is empty"):
        meta_csv.parse(data, filename="PRPL-Facebook-Government-Report-2019_H2.csv")


def test_it_rejects_a_header_without_rows():
    with pytest.raises(DocumentError, match=r"header but no rows"):
        parse_text(f"{HEADER}\r\n,,,\r\n")


def test_it_rejects_an_html_page_served_instead_of_the_csv():
    page = b"<!doctype html>\n<html lang=en><title>Log in to Facebook</title></html>"

    with pytest.raises(DocumentError, match=r"HTML page"):
        meta_csv.parse(page, filename="PRPL-Facebook-Government-Report-2020_H1.csv")
    assert not meta_csv.sniff(page, "x.csv")


def test_sniff_recognises_meta_files_and_no_other_format():
    for path in FIXTURES.glob("*.csv"):
        assert meta_csv.sniff(path.read_bytes(), path.name), path.name
    for path in (FIXTURES.parent / "google").glob("*.csv"):
        assert not meta_csv.sniff(path.read_bytes(), path.name), path.name
    canonical = b"company,scope,period_start,period_end,jurisdiction,request_type,measure,value\n"
    apple = b"TR Period,TR Start Date,TR End Date,Country/Region,Account Requests Received\n"
    for other in (canonical, apple, b"", b"%PDF-1.4\n"):
        assert not meta_csv.sniff(other, "x.csv")


# --- the real files (../shared/data; the shared_data fixture skips when it is absent) ---------

REAL_HALVES = [f"{year}_H{half}" for year in range(2013, 2022) for half in (1, 2)]


def real(shared_data: Path, half: str) -> ParsedDocument:
    path = shared_data / "reports" / "meta" / f"PRPL-Facebook-Government-Report-{half}.csv"
    return meta_csv.parse(path.read_bytes(), filename=path.name)


@pytest.mark.parametrize("half", REAL_HALVES)
def test_every_real_meta_file_is_recognised_parses_and_validates(shared_data: Path, half: str):
    path = shared_data / "reports" / "meta" / f"PRPL-Facebook-Government-Report-{half}.csv"
    data = path.read_bytes()

    document = validate(meta_csv.parse(data, filename=path.name))

    assert meta_csv.sniff(data, path.name)
    assert not google_csv.sniff(data, path.name)
    assert document.periods[0].end.year == int(half[:4])
    assert figure(document, "US", "all", "requests").is_reported


def test_real_h1_2020_figures_match_the_published_report(shared_data: Path):
    document = real(shared_data, "2020_H1")

    assert figure(document, "US", "all", "requests").value == 61528
    assert figure(document, "US", "all", "accounts").value == 106114
    assert figure(document, "US", "search-warrant", "requests").value == 35856
    assert figure(document, "DE", "all", "requests").is_reported
    assert len({f.jurisdiction for f in document.periods[0].figures}) == 251


def test_the_real_h2_2019_file_is_not_empty_but_ends_its_lines_with_bare_carriage_returns(shared_data: Path):
    document = real(shared_data, "2019_H2")

    assert len({f.jurisdiction for f in document.periods[0].figures}) == 251
    assert figure(document, "US", "all", "requests").value == 51121
    assert figure(document, "US", "emergency", "some-data").value == 2442


def test_real_early_reports_keep_their_bands_and_older_emergency_columns(shared_data: Path):
    first = real(shared_data, "2013_H1")
    later = real(shared_data, "2015_H2")

    requests = figure(first, "US", "all", "requests")
    assert (requests.value_min, requests.value_max) == (11000, 12000)
    assert figure(later, "US", "emergency", "requests").value == 855
    assert figure(later, "US", "2703d-order", "requests").value == 601
