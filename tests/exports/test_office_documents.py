"""Acceptance 5: the Word brief and the XLSX open in LibreOffice (headless), which converts
each to PDF. The brief's first page is rendered to PNG (pdftoppm) for docs/screenshots/."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
from docx import Document

from hrd_cases.exports.quarter import Quarter, export_window
from hrd_cases.exports.queries import RawFigures
from hrd_cases.exports.render_docx import render_docx
from hrd_cases.exports.render_xlsx import render_xlsx
from hrd_cases.exports.report import QuarterlyReport, build_report

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _report() -> QuarterlyReport:
    quarter = Quarter(2026, 3)
    raw = RawFigures(
        counts={
            "profiles": {
                ("KE", "woman_hrd"): 12,
                ("KE", "lawyer"): 7,
                ("TR", "journalist_media"): 9,
                ("TR", "woman_hrd"): 6,
                ("CO", "environmental_land"): 14,
                ("CO", "indigenous"): 2,
                ("UG", "woman_hrd"): 3,
            },
            "statements": {("KE", "local_eu_statement"): 6, ("TR", "hrvp_spokesperson"): 5},
        }
    )
    window = export_window(quarter, quarter.last_day)
    report = build_report(raw, quarter=quarter, as_of=quarter.last_day, window=window, k=5, p=2)
    return replace(report, released_on=date(2026, 10, 31))


def _to_pdf(source: Path, out: Path) -> Path:
    profile = out / "profile"
    result = subprocess.run(  # noqa: S603 - a fixed program on a file we wrote
        [
            shutil.which("libreoffice") or "/usr/bin/libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdf = out / f"{source.stem}.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr[-500:]
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


def test_the_brief_and_the_workbook_convert_to_pdf_in_libreoffice(tmp_path: Path) -> None:
    report = _report()
    brief = tmp_path / "brief.docx"
    brief.write_bytes(render_docx(report))
    workbook = tmp_path / "workbook.xlsx"
    workbook.write_bytes(render_xlsx(report))
    # What a drafter reads: the status, the headline table, a paragraph per table, guidance.
    text = "\n".join(p.text for p in Document(str(brief)).paragraphs)
    assert "Release 2026Q3, version 1" in text and "Withheld figures" in text
    assert "Annex: method" in text
    sheets = openpyxl.load_workbook(io.BytesIO(workbook.read_bytes()))
    table = sheets["Table 1"]
    assert table.freeze_panes == "B7" and table._charts
    assert table["A1"].value.startswith("Release 2026Q3")
    with zipfile.ZipFile(workbook) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())
    brief_pdf = _to_pdf(brief, tmp_path)
    _to_pdf(workbook, tmp_path)
    png = tmp_path / "brief-page-1"
    subprocess.run(  # noqa: S603 - a fixed program on a file we wrote
        [
            "/usr/bin/pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(brief_pdf),
            str(png),
        ],
        check=True,
        timeout=120,
    )
    rendered = png.with_suffix(".png")
    assert rendered.read_bytes().startswith(b"\x89PNG")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(rendered, SCREENSHOTS / "export-brief-page-1.png")
