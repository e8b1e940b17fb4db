"""``hrd-cases export quarterly``: one-line errors, atomic files, formula neutralisation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from hrd_cases.exports import service
from hrd_cases.exports.neutralise import neutralise
from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
from hrd_cases.exports.service import EXPORT_FORMATS, write_export_atomically
from hrd_cases.records import RecordVault
from tests.support.exports import build_known_dataset, this_quarter, today
from tests.support.factories import make_case, make_delegation, strategy_catalogue


def _release(db: Session) -> None:
    quarter = this_quarter()
    release_quarter(
        db,
        quarter,
        actor=None,
        via="cli",
        catalogue=strategy_catalogue(),
        k=5,
        p=2,
        lag_days=30,
        today=releasable_from(quarter, 30),
    )


def _export(runner: FlaskCliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["export", "quarterly", *args])


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize(
    ("quarter", "fmt", "extra", "message"),
    [
        ("2026Q5", "csv", (), "invalid quarter '2026Q5'"),
        ("26Q1", "csv", (), "invalid quarter '26Q1'"),
        ("2026Q3", "pdf", (), "unknown export format 'pdf'"),
        # The caller chooses neither the date nor k: a release is what it is.
        ("2026Q3", "csv", ("--as-of", "2026-06-30"), "No such option '--as-of'"),
        ("2026Q3", "csv", ("--k", "1"), "No such option '--k'"),
        ("2199Q4", "csv", (), "2199Q4 is not released"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    runner: FlaskCliRunner, tmp_path: Path, quarter: str, fmt: str, extra: tuple, message: str
) -> None:
    out = tmp_path / "out"
    result = _export(runner, quarter, "--format", fmt, "--out", str(out), *extra)
    assert message in _one_line_error(result)
    assert not out.exists()


def test_the_cli_writes_every_format_and_reports_it(
    runner: FlaskCliRunner, db: Session, vault: RecordVault, tmp_path: Path
) -> None:
    build_known_dataset(db, vault)
    _release(db)
    for name in EXPORT_FORMATS:
        out = tmp_path / f"report.{name}"
        result = _export(runner, this_quarter().label, "--format", name, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert f"wrote {out}" in result.output
        stored = download_release(db, this_quarter(), name, actor=None, via="cli").body
        assert out.read_bytes() == stored
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert (document["quarter"], document["k"]) == (this_quarter().label, 5)
    assert document["method"] and document["definitions"]["Region"].startswith("The EEAS")
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_an_export_interrupted_midway_leaves_the_existing_file_intact(
    runner: FlaskCliRunner, db: Session, vault: RecordVault, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    build_known_dataset(db, vault)
    _release(db)
    out = tmp_path / "report.csv"
    out.write_bytes(b"previous export")

    def disk_full(descriptor):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service.os, "fsync", disk_full)
    result = _export(runner, this_quarter().label, "--format", "csv", "--out", str(out))
    assert "No space left on device" in _one_line_error(result)
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_a_write_interrupted_midway_leaves_no_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"partial": '
        raise KeyboardInterrupt  # as if the operator pressed Ctrl+C mid-write

    with pytest.raises(KeyboardInterrupt):
        write_export_atomically(chunks(), target)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        write_export_atomically(chunks(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    write_export_atomically(b"new", target)
    assert target.read_bytes() == b"new"
    assert (target.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x"])
def test_the_neutraliser_prefixes_formula_text_and_leaves_numbers(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("Kenya (KE)") == "Kenya (KE)"
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5


def test_formula_like_text_reaching_a_cell_is_neutralised_in_csv_and_xlsx(
    db: Session, vault: RecordVault, app
) -> None:  # type: ignore[no-untyped-def]
    """The country code is the one stored text that reaches a cell: an admin types it."""
    for code in ("=1", "@A", "+1", "-1"):
        make_case(db, vault, delegation=make_delegation(db, country=code))
    with app.app_context():
        bodies = {
            name: service.build_quarterly_export(
                db,
                quarter=this_quarter(),
                fmt=name,
                as_of=today(),
                k=2,
                actor=None,
                via="cli",
            ).body
            for name in ("csv", "xlsx")
        }
    rows = list(csv.reader(io.StringIO(bodies["csv"].decode("utf-8-sig"))))
    assert rows[0] == ["table", "region", "country", "measure", "value", "flag", "status"]
    labels = {row[2] for row in rows[1:]}  # the country column
    assert {"'=1", "'@A", "'+1", "'-1"} <= labels
    assert not labels & {"=1", "@A", "+1", "-1"}
    workbook = openpyxl.load_workbook(io.BytesIO(bodies["xlsx"]))
    texts = {
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    assert {"'=1", "'@A", "'+1", "'-1"} <= texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    numbers = [
        cell.value
        for row in workbook["Table 1"].iter_rows()
        for cell in row
        if isinstance(cell.value, int)
    ]
    assert numbers  # counts stay numbers
