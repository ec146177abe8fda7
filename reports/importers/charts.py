"""Figures a report only draws: chart images read by OCR, paired by position and checked.

Each raster image embedded in a PDF is flattened onto white, made grey and read by Debian's tesseract
(through pytesseract) with its word boxes. Words on one line close together form a phrase; a phrase such
as "10,104 (33.6%)" is a part, paired with the text phrase just above it ("Germany") or with the words
before it on its own line ("Subpoenas (281)"); a lone number in a large font is the total in the middle of
a donut. A reading then checks itself: every part paired, the parts add up exactly to the total, each
printed share equals its count over the total within the printed rounding. A reading that fails is kept
with its failed checks for staff; its numbers are never published as they are.

OCR is deterministic for one engine version and one image; the engine version goes on the import run.
Images are read at a few sizes and page-segmentation modes, in a fixed order, and the first reading that
passes every check is taken: a misread digit ("40,043" for "30,043") fails the sum and the shares.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from reports.importers.base import DocumentError

#: Read at these (scale, tesseract page-segmentation mode, black-and-white threshold or 0 for grey) in this
#: order; the first reading that passes its checks wins. psm 11 is "sparse text" (labels scattered round a
#: donut), psm 12 the same with orientation detection. Small labels read best enlarged; thresholding drops
#: the coloured slices but thins the letters ("Paland"), so it comes last.
VARIANTS = ((1, 11, 0), (2, 11, 0), (3, 11, 0), (2, 12, 0), (1, 11, 100), (2, 11, 100))
#: Pixels darker than this are text when the total in the middle is read (the ring around it is not).
TOTAL_THRESHOLD = 100
#: Words closer than this many word heights on one line belong to one phrase.
PHRASE_GAP = 0.8
#: Marks OCR reads from leader lines and slice edges: stripped from a word's ends, dropped when alone.
_NOISE = "‘’'\"`|=_—–-~.,:;!"
#: A count; a thousands separator read as a point ("27.612") is taken as one: the checks then decide.
_COUNT = r"\d{1,3}(?:[,.]\d{3})+|\d+"
_PART = re.compile(rf"^(?P<label>.*?)\s*(?P<count>{_COUNT})\s*\((?P<share>\d+(?:\.\d+)?)\s*%\)$")
_BARE_PART = re.compile(rf"^(?P<label>[A-Za-z][A-Za-z .'/-]*?)\s*\((?P<count>{_COUNT})\)$")
_TOTAL = re.compile(rf"^(?:{_COUNT})$")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z .'/&-]*$")


class OcrUnavailable(DocumentError):
    """The OCR engine is not installed: charts drawn as images cannot be read on this machine."""


@dataclass(frozen=True, slots=True)
class Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def joined(self, other: Box) -> Box:
        left, top = min(self.left, other.left), min(self.top, other.top)
        return Box(left, top, max(self.right, other.right) - left, max(self.bottom, other.bottom) - top)

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.width, self.height]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words on one line, close together, with the box around them (in the image's own pixels)."""

    text: str
    box: Box


@dataclass(frozen=True, slots=True)
class Part:
    """One labelled number of a chart: "Germany" / 10,104 / 33.6 (the share as printed, or None)."""

    label: str
    count: int
    share: Decimal | None
    box: Box

    def as_dict(self) -> dict[str, object]:
        share = None if self.share is None else str(self.share)
        return {"label": self.label, "count": self.count, "share": share, "box": self.box.as_list()}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class ChartReading:
    """What one chart image says, read and checked; ``png`` is the image as archived."""

    page: int
    name: str
    png: bytes
    parts: list[Part] = field(default_factory=list)
    total: int | None = None
    unpaired: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    variant: str = ""
    #: Set by the importer: what the chart shows ("country", "content"), for which scope and period.
    kind: str = ""
    scope: str = ""

    #: The image's SHA-256 when known without its bytes (a stored reading staff corrected).
    image_sha256: str = ""

    @property
    def sha256(self) -> str:
        return self.image_sha256 or hashlib.sha256(self.png).hexdigest()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    @property
    def place(self) -> str:
        return f"page {self.page}, image {self.name}"

    def as_dict(self) -> dict[str, object]:
        return {
            "parts": [part.as_dict() for part in self.parts],
            "total": self.total,
            "unpaired": self.unpaired,
            "variant": self.variant,
        }


# --- The engine ---------------------------------------------------------------------------------


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


# tesseract's OpenMP threads slow each reading down on a busy machine (0.65 s instead of 1.2 s for one of
# Amazon's donuts, measured with four processes sharing two cores): one thread per reading.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@lru_cache(maxsize=1)
def engine_version() -> str:
    """ "tesseract 5.3.0": recorded on every import run that read a chart."""
    import pytesseract

    _require_engine()
    return f"tesseract {pytesseract.get_tesseract_version()}"


def _require_engine() -> None:
    if not ocr_available():
        raise OcrUnavailable(
            "this report draws its figures as images and the OCR engine is not installed "
            "(apt-get install tesseract-ocr)"
        )


def page_images(data: bytes, *, filename: str = "") -> Iterator[tuple[int, str, bytes]]:
    """(page, image name, PNG bytes flattened onto white) for every raster image in the PDF, in page order."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages, start=1):
            for image in page.images:
                yield number, image.name.rsplit(".", 1)[0], _flattened_png(image.image)
    except DocumentError:
        raise
    except Exception as error:  # pypdf and Pillow raise many types on damaged images
        raise DocumentError(
            f"an image of the PDF cannot be read ({type(error).__name__}: {error})", filename=filename
        ) from None


def _flattened_png(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        white.alpha_composite(rgba)
        image = white
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _prepared(png: bytes, *, scale: int, threshold: int, crop_middle: bool = False) -> Any:
    """The image in grey (or black and white below ``threshold``), its middle half only if asked, enlarged."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    if threshold:
        image = image.point(lambda value: 0 if value < threshold else 255)
    if crop_middle:
        width, height = image.size
        image = image.crop((width // 4, height // 4, width * 3 // 4, height * 3 // 4))
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.LANCZOS)
    return image


def phrases(png: bytes, *, scale: int = 1, psm: int = 11, threshold: int = 0) -> list[Phrase]:
    """The image's words grouped into phrases, boxes in the original image's pixels."""
    import pytesseract

    _require_engine()
    image = _prepared(png, scale=scale, threshold=threshold)
    data = pytesseract.image_to_data(image, config=f"--psm {psm}", output_type=pytesseract.Output.DICT)
    words = [
        Phrase(text.strip(_NOISE + " "), Box(*(data[key][i] // scale for key in ("left", "top", "width", "height"))))
        for i, text in enumerate(data["text"])
        if text.strip(_NOISE + " ") and float(data["conf"][i]) >= 0
    ]
    return _group(words)


def middle_total(png: bytes, *, scale: int = 1) -> int | None:
    """The largest number in the middle half of the image, in black and white, where a donut prints its total
    (read in grey among the labels, a number that large inside a coloured ring is often missed or misread)."""
    import pytesseract

    image = _prepared(png, scale=scale, threshold=TOTAL_THRESHOLD, crop_middle=True)
    config = "--psm 11 -c tessedit_char_whitelist=0123456789,"
    data = pytesseract.image_to_data(image, config=config, output_type=pytesseract.Output.DICT)
    numbers = [(data["height"][i], text.strip()) for i, text in enumerate(data["text"]) if _TOTAL.match(text.strip())]
    return _number(max(numbers)[1]) if numbers else None


def _group(words: list[Phrase]) -> list[Phrase]:
    """Join words whose vertical middles fall within each other's height and whose gap is small."""
    grouped: list[Phrase] = []
    for word in sorted(words, key=lambda w: (w.box.left, w.box.top)):  # left to right: a phrase grows rightwards
        for index, phrase in enumerate(grouped):
            middle = word.box.top + word.box.height / 2
            same_line = phrase.box.top <= middle <= phrase.box.bottom
            gap = word.box.left - phrase.box.right
            closed = phrase.text.endswith(")")  # "298 (1.0%)" ends a part: "66 (0.2%)" beside it is another
            if same_line and not closed and -2 <= gap <= PHRASE_GAP * max(word.box.height, 1):
                grouped[index] = Phrase(f"{phrase.text} {word.text}", phrase.box.joined(word.box))
                break
        else:
            grouped.append(word)
    return sorted(grouped, key=lambda p: (p.box.top, p.box.left))


# --- Pairing ----------------------------------------------------------------------------------


def pair(found: list[Phrase], size: tuple[int, int] | None = None) -> tuple[list[Part], int | None, list[str]]:
    """Parts (label with its number), the total in the middle, and what could not be paired."""
    numbers = [p for p in found if _TOTAL.match(p.text)]
    # The total is printed in the middle of the donut: a lone number elsewhere is a part missing its share.
    middle = [p for p in numbers if size is None or _in_middle(p.box, size)]
    total_phrase = max(middle, key=lambda p: p.box.height, default=None)
    labels = [p for p in found if _LABEL.match(p.text)]
    parts: list[Part] = []
    unpaired: list[str] = [p.text for p in numbers if p is not total_phrase]
    for phrase in found:
        if (inline := _BARE_PART.match(phrase.text)) or (
            (inline := _PART.match(phrase.text)) and inline.group("label")
        ):
            share = inline.groupdict().get("share")
            parts.append(_part(inline.group("label"), inline.group("count"), share, phrase.box))
        elif part := _PART.match(phrase.text):
            label = _label_above(phrase, labels)
            if label is None:
                unpaired.append(phrase.text)
                continue
            labels.remove(label)
            parts.append(_part(label.text, part.group("count"), part.group("share"), label.box.joined(phrase.box)))
        elif phrase is not total_phrase and not _LABEL.match(phrase.text):
            unpaired.append(phrase.text)
    # Text left without a number (a slice edge read as "atl") is not a part: a label whose number was missed
    # leaves that number out of the sum, which then fails.
    total = _number(total_phrase.text) if total_phrase else None
    return parts, total, unpaired


def _in_middle(box: Box, size: tuple[int, int]) -> bool:
    width, height = size
    x, y = box.left + box.width / 2, box.top + box.height / 2
    return width / 4 <= x <= width * 3 / 4 and height / 4 <= y <= height * 3 / 4


def _part(label: str, count: str, share: str | None, box: Box) -> Part:
    return Part(" ".join(label.split()), _number(count), Decimal(share) if share else None, box)


def _number(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))


def _label_above(value: Phrase, labels: list[Phrase]) -> Phrase | None:
    """The label whose box ends just above the value's and overlaps it across."""
    candidates = [
        label
        for label in labels
        if 0 <= value.box.top - label.box.bottom <= 1.5 * value.box.height + 4
        and label.box.left < value.box.right
        and value.box.left < label.box.right
    ]
    return min(candidates, key=lambda label: value.box.top - label.box.bottom, default=None)


# --- Checks -----------------------------------------------------------------------------------


def check_donut(
    parts: list[Part], total: int | None, unpaired: list[str], known: Callable[[str], bool] = bool
) -> list[Check]:
    """A donut's own checks: every number paired with a label it knows, a total, parts adding up to it, each
    share its count's."""
    strange = [part.label for part in parts if not known(part.label)]
    checks = [
        Check("labels", not strange, f"labels not known: {', '.join(strange)}" if strange else "every label known"),
        Check(
            "paired",
            not unpaired and bool(parts),
            "every number paired with its label"
            if not unpaired and parts
            else f"not paired: {', '.join(unpaired) or 'no labelled number'}",
        ),
        Check("total", total is not None, "a total in the middle" if total is not None else "no total found"),
    ]
    if total is None:
        return checks
    added = sum(part.count for part in parts)
    checks.append(Check("sum", added == total, f"the parts add up to {added:,}; the total is {total:,}"))
    wrong = [_share_error(part, total) for part in parts]
    wrong_shares = [error for error in wrong if error]
    checks.append(
        Check("shares", not wrong_shares, "; ".join(wrong_shares) or "every share is its count over the total")
    )
    return checks


def _share_error(part: Part, total: int) -> str:
    if part.share is None:
        return f"{part.label}: no share printed"
    exponent = part.share.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 0
    # Half a unit of the printed place, plus half a unit of the next: Amazon rounds through one more decimal
    # first (4,311 of 30,043 is 14.349%, printed 14.4%).
    unit = Decimal(1) / Decimal(10) ** max(places, 0)
    tolerance = unit * Decimal("0.55")
    actual = Decimal(part.count) * 100 / total if total else Decimal(0)
    if abs(actual - part.share) > tolerance:
        return f"{part.label}: {part.count:,} of {total:,} is {actual:.2f}%, printed {part.share}%"
    return ""


def check_totals_agree(first: ChartReading, second: ChartReading) -> Check:
    """Two donuts of one period and scope must show the same total."""
    same = first.total is not None and first.total == second.total
    detail = f"{first.place} shows {first.total}, {second.place} shows {second.total}"
    return Check("same-total", same, ("both charts total " + f"{first.total:,}") if same else detail)


# --- Reading one image --------------------------------------------------------------------------


def read_donut(page: int, name: str, png: bytes, *, known: Callable[[str], bool] = bool) -> ChartReading:
    """Read a donut chart at each variant in turn: the first reading that passes its checks, else the one that
    failed the fewest (the first of those), for staff.

    The total is taken from among the labels first; when that does not pass, it is read apart (the middle, in
    black and white, at its own size and enlarged) and each candidate is tried against the parts: only one the
    parts add up to can pass."""
    first: ChartReading | None = None
    middle: list[int] | None = None
    for scale, psm, threshold in VARIANTS:
        parts, total, unpaired = pair(phrases(png, scale=scale, psm=psm, threshold=threshold), image_size(png))
        candidates = [total]
        while candidates:
            candidate = candidates.pop(0)
            reading = ChartReading(page, name, png, parts, candidate, unpaired)
            reading.checks = check_donut(parts, candidate, unpaired, known)
            reading.variant = f"scale {scale}, psm {psm}" + (f", threshold {threshold}" if threshold else "")
            if reading.passed:
                return reading
            if first is None or _shortfall(reading) < _shortfall(first):
                first = reading
            if candidate == total:  # the total among the labels did not do: read the middle apart
                middle = middle if middle is not None else _middle_totals(png)
                candidates = [number for number in middle if number != total]
    assert first is not None
    return first


def _shortfall(reading: ChartReading) -> tuple[int, bool, int]:
    """How far a failed reading is from passing: failed checks, then no total, then what is left unpaired."""
    return len(reading.failed_checks), reading.total is None, len(reading.unpaired)


def image_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk's first two words)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _middle_totals(png: bytes) -> list[int]:
    return list(dict.fromkeys(total for scale in (1, 2) if (total := middle_total(png, scale=scale)) is not None))
