"""`manage.py import_report PATH`: the import pipeline on a local file, saying what it did or one line why not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports.models import Figure, ImportRun, ReportingPeriod

pytestmark = pytest.mark.django_db

HEADER = (
    "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n"
)
URL = "https://www.amazon.com/report.pdf"
ROWS = [
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1841,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,full-response,609,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,partial-response,751,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,no-response,400,,,{URL}",
]


def write(tmp_path: Path, *rows: str, name: str = "figures.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def import_report(*args: str) -> str:
    out = io.StringIO()
    call_command("import_report", *args, stdout=out)
    return out.getvalue()


def test_it_imports_a_file_and_says_what_it_did(tmp_path: Path) -> None:
    output = import_report(str(write(tmp_path, *ROWS)), "--publish")
    assert "figures.csv: imported as canonical_csv" in output
    assert "period: amazon total H2 2019 (2019-07-01..2019-12-31): new, published" in output
    assert "figures: 4 created, 0 updated, 0 unchanged" in output
    assert "warning: " in output and "full + partial + no response = 1760" in output
    assert ReportingPeriod.objects.get().status == "published"
    assert ImportRun.objects.get().triggered_by == "import_report"


def test_a_second_run_says_the_file_is_unchanged_and_force_compares_it_again(tmp_path: Path) -> None:
    path = str(write(tmp_path, *ROWS))
    import_report(path)
    assert "unchanged: the same document was imported before" in import_report(path)
    forced = import_report(path, "--force")
    assert "period: amazon total H2 2019 (2019-07-01..2019-12-31): existing" in forced
    assert "figures: 0 created, 0 updated, 4 unchanged" in forced


def test_it_prints_each_changed_figure_old_to_new(tmp_path: Path) -> None:
    import_report(str(write(tmp_path, *ROWS)))
    changed = [ROWS[0].replace("1841", "1900"), *ROWS[1:]]
    output = import_report(str(write(tmp_path, *changed, name="corrected.csv")))
    assert "changed: amazon total 2019-07-01..2019-12-31 US/subpoena/requests: 1,841 → 1,900" in output


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,lots,,,{URL}"], "row 2, column value: expected"),
        ([f"amazon,total,2019-07-01,2019-12-31,US,nsl,requests,,300,249,{URL}"], "band minimum 300 is above"),
    ],
)
def test_a_bad_file_exits_with_one_line_naming_file_and_place_and_changes_nothing(
    tmp_path: Path, rows: list[str], expected: str
) -> None:
    import_report(str(write(tmp_path, *ROWS)))
    before = list(Figure.objects.values_list("value", flat=True).order_by("id"))
    with pytest.raises(CommandError) as raised:
        import_report(str(write(tmp_path, *rows, name="bad.csv")))
    message = str(raised.value)
    assert message.startswith("bad.csv, row 2") and expected in message and "\n" not in message
    assert list(Figure.objects.values_list("value", flat=True).order_by("id")) == before
    assert ImportRun.objects.latest("id").outcome == "failed"


def test_a_wrong_format_or_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^figures\.csv, row 1: not an Apple transparency CSV: expected") as raised:
        import_report(str(write(tmp_path, *ROWS)), "--format", "apple_csv")
    assert "\n" not in str(raised.value)
    with pytest.raises(CommandError, match=r"nowhere\.pdf: cannot read it: No such file"):
        import_report(str(tmp_path / "nowhere.pdf"))
    with pytest.raises(CommandError, match="not a file"):
        import_report(str(tmp_path))
    assert Figure.objects.count() == 0
