"""Zip bundles: a download holding many documents (Google's ``google-user-data-requests.zip``, Apple's
transparency-report zip), opened safely and split into the members the importers recognise.

Safety comes before any byte is inflated: the member count, each member's declared size, the total and
the compression ratio are checked from the zip's directory (``zipfile`` never inflates a member past its
declared size, and checks its CRC), and a member whose name leads outside the bundle (``../``, an absolute
path, a drive) refuses the whole zip. Nothing is written to disk.

The drift rule applies to files as to rows: a member no importer recognises is an
:class:`~reports.importers.base.Unknown` of kind ``file``, listed for staff and not imported; a README is
documentation, noted and skipped.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from reports.importers import MAX_DOCUMENT_BYTES, detect
from reports.importers.base import DocumentError, Unknown, UnknownKind

ZIP_MAGIC = b"PK\x03\x04"
#: More members than any real download holds (Google's has 10, Apple's 11).
MAX_MEMBERS = 200
#: All members together, unpacked.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: A CSV deflates about 5 to 15 times; a member unpacking more than this is not a report (a zip bomb?).
MAX_RATIO = 100
DOCUMENTATION_NAMES = ("readme",)


@dataclass(frozen=True)
class Member:
    """One file of the bundle an importer recognises, with the format detected from its content."""

    name: str
    data: bytes
    format: str

    @property
    def filename(self) -> str:
        return PurePosixPath(self.name).name


@dataclass
class Bundle:
    members: list[Member] = field(default_factory=list)
    #: Files no importer recognises: not imported, listed for staff.
    unknowns: list[Unknown] = field(default_factory=list)
    #: What was skipped knowingly (documentation).
    notes: list[str] = field(default_factory=list)


def is_bundle(data: bytes) -> bool:
    """A zip that is not itself a document: an Office file (XLSX) is a zip too, and is a document."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError):
        return False


def unpack(data: bytes, *, filename: str) -> Bundle:
    """The bundle's members by format; DocumentError (nothing read) when the zip is unsafe or unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = [info for info in archive.infolist() if not info.is_dir()]
            _check_directory(files, filename=filename)
            return _read_members(archive, files, filename=filename)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as error:
        raise DocumentError(f"the zip is truncated or corrupt ({error})", filename=filename) from None


def _check_directory(files: list[zipfile.ZipInfo], *, filename: str) -> None:
    """Every limit the zip's directory can be held to, before a byte is inflated."""
    if not files:
        raise DocumentError("the zip holds no file", filename=filename)
    if len(files) > MAX_MEMBERS:
        raise DocumentError(f"the zip holds {len(files):,} files, over the limit of {MAX_MEMBERS}", filename=filename)
    for info in files:
        if not is_safe_name(info.filename):
            raise DocumentError(
                f"the zip holds a file whose name leads outside it ({info.filename!r}): refused whole",
                filename=filename,
            )
        if info.flag_bits & 0x1:
            raise DocumentError(f"the zip's file {info.filename!r} is encrypted", filename=filename)
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"the zip's file {info.filename!r} unpacks to {info.file_size:,} bytes, over the "
                f"{MAX_DOCUMENT_BYTES:,}-byte limit of a document",
                filename=filename,
            )
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise DocumentError(
                f"the zip's file {info.filename!r} unpacks {ratio:,} times larger than it is stored, over the "
                f"limit of {MAX_RATIO}: that is not a report (a zip bomb?)",
                filename=filename,
            )
    total = sum(info.file_size for info in files)
    if total > MAX_UNPACKED_BYTES:
        raise DocumentError(
            f"the zip unpacks to {total:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte limit", filename=filename
        )


def is_safe_name(name: str) -> bool:
    """A relative path that stays inside the bundle: no ``..``, no absolute path, no drive, no backslash tricks."""
    path = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and not path.is_absolute() and ".." not in path.parts and ":" not in path.parts[0]


def _read_members(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], *, filename: str) -> Bundle:
    bundle = Bundle()
    for info in sorted(files, key=lambda i: i.filename):
        name = PurePosixPath(info.filename).name
        data = archive.read(info)
        try:
            fmt = detect(data, filename=name)
        except DocumentError as error:
            if PurePosixPath(name).stem.casefold() in DOCUMENTATION_NAMES:
                bundle.notes.append(f"{info.filename}: documentation, not imported")
            else:
                bundle.unknowns.append(
                    Unknown(UnknownKind.FILE, f"in {filename}", info.filename, f"no importer knows it: {error.message}")
                )
            continue
        bundle.members.append(Member(info.filename, data, fmt))
    return bundle
