"""Microsoft's Law Enforcement Requests Report workbooks: small workbooks built here in the real
layout, plus the real workbooks when ../shared/data is present."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reports.importers import microsoft_xlsx
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
REAL_MICROSOFT = SHARED_DATA / "reports" / "microsoft"

H1_2018 = "Requests received for all Microsoft Services from January to June 2018"
LE_HEADERS = {
    "D": "Total Number of Law Enforcement Requests",
    "E": "Accounts / Users Specified in Requests",
    "G": "Law Enforcement Requests Resulting in Disclosure of Content",
    "I": "Law Enforcement Requests Resulting in Disclosure of Only Subscriber/Transactional (Non-Content) Data",
    "L": "Law Enforcement Requests Resulting in Disclosure of No Customer Data\n(No Data Found)",
    "N": "Law Enforcement Requests Resulting in Disclosure of No Customer Data\n"
    "(Request Rejected for Not Meeting Legal Requirements)",
}
CIVIL_HEADERS = {
    "D": "Total Number of  Requests",
    "E": "Accounts / Users Specified in Requests",
    "G": "Disclosure of Content",
    "I": "Only Subscriber/ Transactional (Non-Content) Data",
    "L": "No Data Found",
    "N": "Rejected",
}
CONSUMER_ABROAD = (
    "Number of warrants from U.S. law enforcement seeking consumer content data stored outside the United States"
)
ENTERPRISE_ABROAD = (
    "Number of warrants from U.S. law enforcement resulting in disclosure of enterprise content data stored outside "
    "the United States"
)

#: (country, requests, accounts, content, non-content, no data found, rejected)
Row = tuple[str, object, object, object, object, object, object]
CRIMINAL: list[Row] = [
    ("TOTAL", 120, 200, 10, 70, 20, 20),
    ("Beligum", 10, 12, 0, 6, 2, 2),
    ("Taiwan", 10, 30, 0, 4, 3, 3),
    ("United States", 100, 158, 10, 60, 15, 15),
]
EMERGENCIES: list[Row] = [
    ("TOTAL", 13, 15, 1, 9, 2, 1),
    ("China", 1, 1, 0, 1, 0, 0),
    ("United States", 12, 14, 1, 8, 2, 1),
]
CIVIL: list[Row] = [("TOTAL", 3, 9, 0, 2, 1, 6), ("USA", 3, 9, 0, 2, 1, 6)]


def sheet_rows(ws: Worksheet, title: str, period: str, headers: dict[str, str], rows: Sequence[Row]) -> None:
    """One sheet in the real layout: title, period line, grouped two-row header, then share + count pairs."""
    ws["B1"] = title
    if period:
        ws["B2"] = period
    ws["D3"], ws["G3"], ws["L3"] = "Total Requests", "Some Customer Data Disclosed", "No Customer Data Disclosed"
    for column, text in headers.items():
        ws[f"{column}4"] = text
    for number, (country, requests, accounts, *outcomes) in enumerate(rows, start=5):
        ws[f"B{number}"] = country
        ws[f"D{number}"], ws[f"E{number}"] = requests, accounts
        for share_column, count in zip("GILN", outcomes, strict=True):
            count_column = chr(ord(share_column) + 1)
            share = count / requests if isinstance(count, int) and isinstance(requests, int) and requests else 0
            ws[f"{share_column}{number}"] = share
            ws[f"{count_column}{number}"] = count


def workbook(
    *,
    period: str = H1_2018,
    criminal: Sequence[Row] = CRIMINAL,
    emergencies: Sequence[Row] | None = EMERGENCIES,
    civil: Sequence[Row] | None = CIVIL,
    abroad: tuple[object, object] | None = (133, 1),
    criminal_title: str = "Criminal",
    criminal_headers: dict[str, str] | None = None,
) -> bytes:
    """A small workbook shaped like Microsoft_LERR_YYYY_HN.xlsx."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = criminal_title
    sheet_rows(first, "Law Enforcement Requests Report 2018", period, criminal_headers or LE_HEADERS, criminal)
    if abroad is not None:
        # As in the real workbooks: the labels float beside the table, the numbers three rows below them.
        first["Q5"], first["R5"] = CONSUMER_ABROAD, ENTERPRISE_ABROAD
        first["Q8"], first["R8"] = abroad
    if emergencies is not None:
        sheet_rows(
            book.create_sheet("Emergencies"), "Law Enforcement Requests Report 2018", period, LE_HEADERS, emergencies
        )
    if civil is not None:
        sheet_rows(
            book.create_sheet("Civil Legal Requests"), "Civil Legal Request Disclosures", period, CIVIL_HEADERS, civil
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def figures(document: ParsedDocument) -> dict[tuple[str, str, str], FigureRecord]:
    assert len(document.periods) == 1
    return {f.key: f for f in document.periods[0].figures}


def value(document: ParsedDocument, jurisdiction: str, request_type: str, measure: str) -> Decimal:
    figure = figures(document)[(jurisdiction, request_type, measure)]
    assert figure.value is not None
    return figure.value


# --- recognising the format -------------------------------------------------------------------


def test_it_recognises_a_law_enforcement_requests_workbook_by_its_content() -> None:
    assert microsoft_xlsx.sniff(workbook(), "upload.bin")


def test_it_does_not_claim_other_workbooks_zips_or_csvs() -> None:
    other = openpyxl.Workbook()
    other.active["A1"] = "Quarterly sales"
    buffer = io.BytesIO()
    other.save(buffer)
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "Law Enforcement Requests")

    assert not microsoft_xlsx.sniff(buffer.getvalue(), "Microsoft_LERR_2018_H1.xlsx")
    assert not microsoft_xlsx.sniff(plain_zip.getvalue(), "Microsoft_LERR_2018_H1.xlsx")
    assert not microsoft_xlsx.sniff(b"company,scope,period_start,period_end,jurisdiction\n", "x.csv")
    assert not microsoft_xlsx.sniff((FIXTURES / "apple" / "account_requests.csv").read_bytes(), "x.xlsx")
    assert not microsoft_xlsx.sniff(workbook()[:2000], "Microsoft_LERR_2018_H1.xlsx")


# --- what the workbook maps to ----------------------------------------------------------------


def test_the_criminal_sheet_gives_legal_process_requests_accounts_and_the_four_outcomes_per_country() -> None:
    document = microsoft_xlsx.parse(workbook(), filename="upload.xlsx")

    assert value(document, "US", "legal-process", "requests") == 100
    assert value(document, "US", "legal-process", "accounts") == 158
    assert value(document, "US", "legal-process", "content-disclosed") == 10
    assert value(document, "US", "legal-process", "non-content-disclosed") == 60
    assert value(document, "US", "legal-process", "no-data-found") == 15
    assert value(document, "US", "legal-process", "rejected") == 15


def test_the_total_row_is_the_worldwide_figure_and_misspelt_countries_are_still_placed() -> None:
    document = microsoft_xlsx.parse(workbook())

    assert value(document, "WW", "legal-process", "requests") == 120
    assert value(document, "BE", "legal-process", "requests") == 10
    assert value(document, "TW", "legal-process", "accounts") == 30


def test_the_emergencies_sheet_gives_emergency_requests() -> None:
    document = microsoft_xlsx.parse(workbook())

    assert value(document, "US", "emergency", "requests") == 12
    assert value(document, "CN", "emergency", "non-content-disclosed") == 1
    assert value(document, "WW", "emergency", "rejected") == 1


def test_shares_are_not_imported_because_the_counts_beside_them_say_the_same() -> None:
    document = microsoft_xlsx.parse(workbook())

    assert {f.measure for f in document.periods[0].figures} == {
        "requests",
        "accounts",
        "content-disclosed",
        "non-content-disclosed",
        "no-data-found",
        "rejected",
    }


def test_the_us_warrants_for_data_stored_abroad_are_us_figures_whichever_row_they_sit_on() -> None:
    document = microsoft_xlsx.parse(workbook(abroad=(136, 3)))

    assert value(document, "US", "extraterritorial-consumer", "requests") == 136
    assert value(document, "US", "extraterritorial-enterprise", "content-disclosed") == 3


def test_the_civil_sheet_is_left_out_and_the_period_notes_say_why() -> None:
    document = microsoft_xlsx.parse(workbook())

    assert "civil" not in {f.request_type for f in document.periods[0].figures}
    assert not any(f.jurisdiction == "US" and f.value == 9 for f in document.periods[0].figures)
    assert "'Civil Legal Requests' sheet is not imported" in document.periods[0].notes


def test_an_empty_cell_is_a_figure_not_reported_never_a_zero() -> None:
    rows: list[Row] = [
        ("TOTAL", 2, 3, 0, 1, 1, 0),
        ("El Salvador", 1, "  ", 0, 0, 1, 0),
        ("Serbia", 1, 3, None, 1, 0, 0),
    ]
    document = microsoft_xlsx.parse(workbook(criminal=rows))
    found = figures(document)

    assert not found[("SV", "legal-process", "accounts")].is_reported
    assert not found[("RS", "legal-process", "content-disclosed")].is_reported
    assert value(document, "SV", "legal-process", "no-data-found") == 1


def test_the_period_is_read_from_the_workbook() -> None:
    document = microsoft_xlsx.parse(
        workbook(period="Requests received for all Microsoft Services from July to December 2019"),
        filename="report.xlsx",
    )

    period = document.periods[0]
    assert (period.start, period.end) == (dt.date(2019, 7, 1), dt.date(2019, 12, 31))
    assert (period.company, period.scope) == ("microsoft", "total")
    assert document.title == "Microsoft Law Enforcement Requests Report, July\u2013December 2019"
    assert document.publisher == "Microsoft Corporation"


def test_the_period_falls_back_to_the_file_name_when_the_workbook_does_not_state_it() -> None:
    document = microsoft_xlsx.parse(workbook(period=""), filename="Microsoft_LERR_2020_H2.xlsx")

    assert (document.periods[0].start, document.periods[0].end) == (dt.date(2020, 7, 1), dt.date(2020, 12, 31))


def test_the_workbooks_own_period_wins_over_its_file_name_with_a_warning() -> None:
    document = microsoft_xlsx.parse(workbook(), filename="Microsoft_LERR_2019_H2.xlsx")

    assert document.periods[0].start == dt.date(2018, 1, 1)
    assert any("file name says" in warning for warning in document.warnings)


def test_the_source_url_defaults_to_microsofts_report_page() -> None:
    default = microsoft_xlsx.parse(workbook())
    given = microsoft_xlsx.parse(workbook(), source_url="https://example.org/copy.xlsx")

    assert default.periods[0].source_url == (
        "https://www.microsoft.com/en-us/corporate-responsibility/law-enforcement-requests-report"
    )
    assert given.periods[0].source_url == "https://example.org/copy.xlsx"


def test_a_built_workbook_passes_the_data_model_checks_without_warnings() -> None:
    document = validate(microsoft_xlsx.parse(workbook()))

    assert document.warnings == []
    assert document.format == "microsoft_xlsx"


def test_outcomes_that_do_not_add_up_to_the_requests_are_recorded_not_fixed() -> None:
    rows: list[Row] = [("TOTAL", 10, 10, 0, 5, 0, 5), ("Germany", 10, 10, 0, 5, 0, 4)]
    document = microsoft_xlsx.parse(workbook(criminal=rows))

    assert value(document, "DE", "legal-process", "rejected") == 4
    assert any("add up to 9, not the 10 requests" in warning for warning in document.warnings)
    assert any("TOTAL row gives 5 rejected" in warning for warning in document.warnings)


# --- bad input ----------------------------------------------------------------------------------


def test_it_rejects_a_truncated_workbook_with_a_document_error() -> None:
    data = workbook()

    for cut in (len(data) // 2, len(data) - 30, 100):
        with pytest.raises(DocumentError, match=r"truncated or corrupt|cannot be read"):
            microsoft_xlsx.parse(data[:cut], filename="Microsoft_LERR_2018_H1.xlsx")


def test_it_rejects_a_workbook_whose_bytes_were_damaged_inside() -> None:
    data = bytearray(workbook())
    middle = len(data) // 2
    data[middle : middle + 200] = bytes(200)

    with pytest.raises(DocumentError):
        microsoft_xlsx.parse(bytes(data))


def test_it_rejects_a_csv_or_an_html_page_given_as_a_workbook() -> None:
    with pytest.raises(DocumentError, match="not one"):
        microsoft_xlsx.parse(b"company,scope\nmicrosoft,total\n")
    with pytest.raises(DocumentError, match="not one"):
        microsoft_xlsx.parse(b"<!DOCTYPE html><html><body>Access denied</body></html>")


def test_it_rejects_an_empty_document() -> None:
    with pytest.raises(DocumentError, match="empty"):
        microsoft_xlsx.parse(b"")


def test_it_rejects_a_workbook_without_a_criminal_sheet() -> None:
    with pytest.raises(DocumentError, match="Criminal"):
        microsoft_xlsx.parse(workbook(criminal_title="Summary"))


def test_a_header_that_lacks_a_column_imports_the_others_and_says_which_is_missing() -> None:
    headers = {column: text for column, text in LE_HEADERS.items() if column != "L"}

    document = microsoft_xlsx.parse(workbook(criminal_headers=headers))

    criminal = [f for f in document.periods[0].figures if f.request_type == "legal-process"]
    assert not any(f.measure == "no-data-found" for f in criminal)
    assert any(f.measure == "rejected" for f in criminal)
    assert any("no column for no-data-found" in warning for warning in document.warnings)


def test_it_rejects_a_count_that_is_not_a_whole_number_and_says_where() -> None:
    rows: list[Row] = [("TOTAL", 10, 10, 0, 5, 0, 5), ("Germany", 10, 2.5, 0, 5, 0, 5)]

    with pytest.raises(DocumentError) as error:
        microsoft_xlsx.parse(workbook(criminal=rows), filename="m.xlsx")

    assert "m.xlsx" in str(error.value)
    assert "sheet 'Criminal', row 6, accounts" in str(error.value)


def test_it_rejects_text_where_a_count_belongs() -> None:
    rows: list[Row] = [("TOTAL", 10, 10, 0, 5, 0, 5), ("Germany", "ten", 10, 0, 5, 0, 5)]

    with pytest.raises(DocumentError, match="expected a number"):
        microsoft_xlsx.parse(workbook(criminal=rows))


def test_it_rejects_a_negative_count() -> None:
    rows: list[Row] = [("TOTAL", 10, 10, 0, 5, 0, 5), ("Germany", 10, -1, 0, 5, 0, 5)]

    with pytest.raises(DocumentError, match="whole number"):
        microsoft_xlsx.parse(workbook(criminal=rows))


def test_a_country_it_cannot_place_is_an_unknown() -> None:
    rows: list[Row] = [("TOTAL", 1, 1, 0, 1, 0, 0), ("Atlantis", 1, 1, 0, 1, 0, 0)]

    document = microsoft_xlsx.parse(workbook(criminal=rows))

    assert [(u.kind, u.text) for u in document.unknowns] == [("jurisdiction", "Atlantis")]
    assert {f.jurisdiction for f in document.periods[0].figures if f.request_type == "legal-process"} == {"WW"}


def test_it_rejects_the_same_country_twice_in_one_sheet() -> None:
    rows: list[Row] = [
        ("TOTAL", 2, 2, 0, 2, 0, 0),
        ("Macedonia", 1, 1, 0, 1, 0, 0),
        ("North Macedonia", 1, 1, 0, 1, 0, 0),
    ]

    with pytest.raises(DocumentError, match="already appears on row 6"):
        microsoft_xlsx.parse(workbook(criminal=rows))


def test_it_rejects_a_workbook_that_states_no_period_under_a_name_without_one() -> None:
    with pytest.raises(DocumentError, match="does not state its period"):
        microsoft_xlsx.parse(workbook(period=""), filename="report.xlsx")


def test_it_rejects_sheets_that_state_different_periods() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook()))
    book["Emergencies"]["B2"] = "Requests received for all Microsoft Services from July to December 2018"
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(DocumentError, match="different periods"):
        microsoft_xlsx.parse(buffer.getvalue())


# --- the real documents -------------------------------------------------------------------------

real_only = pytest.mark.skipif(
    not REAL_MICROSOFT.is_dir(),
    reason=f"the real Microsoft workbooks are not here ({REAL_MICROSOFT}); a fresh clone has no ../shared",
)


def real(name: str) -> ParsedDocument:
    path = REAL_MICROSOFT / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return microsoft_xlsx.parse(path.read_bytes(), filename=name)


def real_names() -> list[str]:
    return sorted(p.name for p in REAL_MICROSOFT.glob("Microsoft_LERR_*.xlsx")) or ["Microsoft_LERR_2018_H1.xlsx"]


@real_only
@pytest.mark.parametrize("name", real_names())
def test_every_real_workbook_is_recognised_parses_and_validates(name: str) -> None:
    data = (REAL_MICROSOFT / name).read_bytes()

    document = validate(microsoft_xlsx.parse(data, filename=name), filename=name)

    assert microsoft_xlsx.sniff(data, name)
    assert document.warnings == []
    year, half = int(name[15:19]), int(name[21])
    assert document.periods[0].start == dt.date(year, 1 if half == 1 else 7, 1)
    assert document.figure_count > 400


@real_only
def test_the_real_first_half_of_2018_holds_known_figures() -> None:
    document = real("Microsoft_LERR_2018_H1.xlsx")

    assert value(document, "WW", "legal-process", "requests") == 23222
    assert value(document, "WW", "legal-process", "accounts") == 46488
    assert value(document, "WW", "legal-process", "content-disclosed") == 1069
    assert value(document, "WW", "legal-process", "non-content-disclosed") == 14261
    assert value(document, "WW", "legal-process", "no-data-found") == 4144
    assert value(document, "WW", "legal-process", "rejected") == 3748
    assert value(document, "US", "legal-process", "requests") == 4948
    assert value(document, "VA", "legal-process", "requests") == 2
    assert value(document, "US", "emergency", "requests") == 121
    assert value(document, "US", "extraterritorial-consumer", "requests") == 133
    assert value(document, "US", "extraterritorial-enterprise", "content-disclosed") == 1


@real_only
def test_the_real_second_half_of_2021_keeps_its_us_warrant_figures_on_the_right_country() -> None:
    document = real("Microsoft_LERR_2021_H2.xlsx")

    assert value(document, "US", "extraterritorial-consumer", "requests") == 136
    assert value(document, "US", "extraterritorial-enterprise", "content-disclosed") == 3
    assert value(document, "TW", "legal-process", "requests") == 180
    assert not figures(document)[("BE", "emergency", "content-disclosed")].is_reported


@real_only
def test_the_real_blank_account_cells_stay_unreported() -> None:
    assert not figures(real("Microsoft_LERR_2020_H2.xlsx"))[("SV", "legal-process", "accounts")].is_reported
    assert not figures(real("Microsoft_LERR_2021_H1.xlsx"))[("RS", "legal-process", "accounts")].is_reported


@real_only
@pytest.mark.parametrize("folder", ["apple", "google", "meta"])
def test_it_does_not_claim_the_other_companies_real_files(folder: str) -> None:
    paths = sorted((SHARED_DATA / "reports" / folder).glob("*.csv"))
    if not paths:
        pytest.skip(f"no {folder} files in {SHARED_DATA}")

    assert not any(microsoft_xlsx.sniff(path.read_bytes(), path.name) for path in paths)
