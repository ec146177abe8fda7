"""Zip bundles: unpacked only within limits read from the zip's directory, never outside it, and split into
the members the importers recognise, the rest listed as unknown files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from reports.importers import MAX_DOCUMENT_BYTES
from reports.importers.base import DocumentError
from reports.importers.bundles import MAX_MEMBERS, is_bundle, is_safe_name, unpack

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def zipped(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def google_files() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((FIXTURES / "google").glob("*.csv"))}


def test_a_bundle_gives_each_recognised_member_with_its_format_and_lists_the_rest() -> None:
    files = google_files()
    data = zipped({**files, "README.txt": b"What each file holds.\n", "new-table.csv": b"a,b\n1,2\n"})
    bundle = unpack(data, filename="google-user-data-requests.zip")
    assert sorted(m.name for m in bundle.members) == sorted(files)
    assert {m.format for m in bundle.members} == {"google_csv"}
    assert [m.data for m in sorted(bundle.members, key=lambda m: m.name)] == [files[n] for n in sorted(files)]
    assert [(u.kind, u.text) for u in bundle.unknowns] == [("file", "new-table.csv")]
    assert bundle.unknowns[0].place == "in google-user-data-requests.zip"
    assert bundle.notes == ["README.txt: documentation, not imported"]


@pytest.mark.parametrize("name", ["../evil.csv", "reports/../../evil.csv", "/etc/evil.csv", "..\\evil.csv", "C:/x.csv"])
def test_a_member_named_outside_the_bundle_refuses_the_whole_zip(name: str) -> None:
    data = zipped({**google_files(), name: b"x"})
    with pytest.raises(DocumentError, match="leads outside it"):
        unpack(data, filename="bundle.zip")
    assert not is_safe_name(name)
    assert is_safe_name("reports/google/file.csv")


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_anything_is_inflated() -> None:
    bomb = zipped({"bomb.csv": b"0" * (5 * 1024 * 1024)})
    assert len(bomb) < 10_000
    with pytest.raises(DocumentError, match=r"unpacks [\d,]+ times larger than it is stored.*zip bomb"):
        unpack(bomb, filename="bomb.zip")


def test_a_member_over_the_document_limit_and_too_many_members_are_refused() -> None:
    big = zipped({"big.csv": b"x" * (MAX_DOCUMENT_BYTES + 1)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(DocumentError, match=r"over the [\d,]+-byte limit of a document"):
        unpack(big, filename="big.zip")
    many = zipped({f"{n}.csv": b"x" for n in range(MAX_MEMBERS + 1)})
    with pytest.raises(DocumentError, match=f"over the limit of {MAX_MEMBERS}"):
        unpack(many, filename="many.zip")


def test_a_corrupt_or_empty_zip_is_refused_with_its_reason() -> None:
    data = zipped(google_files())
    with pytest.raises(DocumentError, match="truncated or corrupt"):
        unpack(data[: len(data) // 2], filename="cut.zip")
    with pytest.raises(DocumentError, match="holds no file"):
        unpack(zipped({}), filename="empty.zip")


def test_an_xlsx_is_a_document_not_a_bundle() -> None:
    assert is_bundle(zipped(google_files()))
    assert not is_bundle(zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))
    assert not is_bundle(b"%PDF-1.7")
