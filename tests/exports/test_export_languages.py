"""Exports in English or French (issue 21 item 6 and acceptance 5's XLSX part): the analyst
picks the language of the labels, method text and brief on the page, through the API and the
CLI; JSON keys and machine values stay the same; the French catalogue is complete."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

import openpyxl
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from hrd_cases.exports.labels_fr import FRENCH
from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
from hrd_cases.exports.service import EXPORT_FORMATS
from hrd_cases.models import Role
from hrd_cases.records import RecordVault
from tests.exports.catalogue_messages import messages
from tests.support.access import sign_in
from tests.support.app import AuthActions
from tests.support.exports import build_known_dataset, this_quarter
from tests.support.factories import make_user, strategy_catalogue


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_french_catalogue_has_every_message_and_nothing_else() -> None:
    found = messages()
    assert sorted(found - set(FRENCH)) == [], "messages with no French"
    assert sorted(set(FRENCH) - found) == [], "French for messages no export prints"
    for english, french in FRENCH.items():
        assert _placeholders(english) == _placeholders(french), english
        assert french.strip(), english


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


def _english_left(text: str) -> list[str]:
    """English messages (those whose French differs) found in ``text``."""
    return [
        english
        for english, french in FRENCH.items()
        if english != french and len(english) > 12 and "{" not in english and english in text
    ]


def test_an_xlsx_export_in_french_reads_in_french(db: Session, vault: RecordVault) -> None:
    build_known_dataset(db, vault)
    _release(db)
    body = download_release(db, this_quarter(), "xlsx", actor=None, via="cli", language="fr").body
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    assert workbook.sheetnames[:3] == ["À propos", "Chiffres clés", "Tableau 1"]
    cells = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    text = "\n".join(cells)
    assert text.startswith(f"Publication {this_quarter().label}, version 1, publiée le ")
    title = "Statistiques trimestrielles\u00a0: protection des défenseurs des droits de l'homme"
    assert title in text
    assert "Dont femmes défenseurs des droits de l'homme" in text
    assert "Les délégations ont enregistré" in text or "n'est pas publié" in text
    assert "Tous pays" in text and "Afrique" in text and "Kenya (KE)" in text
    assert "Secret primaire\u00a0: tout effectif de 1 à 4 (k = 5)" in text
    assert _english_left(text) == []
    assert "All countries" not in cells and "Headline figures" not in cells
    # The English workbook of the same release is another stored file, in English.
    english = download_release(db, this_quarter(), "xlsx", actor=None, via="cli").body
    assert openpyxl.load_workbook(io.BytesIO(english)).sheetnames[:2] == ["About", "Headline"]


def test_french_keeps_the_json_keys_and_every_figure(db: Session, vault: RecordVault) -> None:
    build_known_dataset(db, vault)
    _release(db)
    quarter = this_quarter()
    english = json.loads(download_release(db, quarter, "json", actor=None, via="cli").body)
    french = json.loads(
        download_release(db, quarter, "json", actor=None, via="cli", language="fr").body
    )
    assert french["language"] == "fr" and english["language"] == "en"

    def shape(value: object) -> object:
        """Keys, codes and figures: everything but the words."""
        if isinstance(value, dict):
            return {
                k: shape(v)
                for k, v in value.items()
                if k
                not in {
                    "label",
                    "title",
                    "unit",
                    "definition",
                    "summary",
                    "method",
                    "definitions",
                    "status_line",
                    "headline_summary",
                        "language",
                }
            }
        if isinstance(value, list):
            return [shape(v) for v in value]
        return value

    assert shape(french) == shape(english)
    assert french["tables"][0]["title"] == "Dossiers ouverts, par catégorie de profil du défenseur"
    # Every format of both languages is stored, and each download is the same bytes again.
    for name in EXPORT_FORMATS:
        first = download_release(db, quarter, name, actor=None, via="cli", language="fr")
        again = download_release(db, quarter, name, actor=None, via="cli", language="fr")
        assert first.body == again.body and first.filename.endswith(f"-fr.{name}")


def test_the_cli_api_and_page_offer_french(
    app: Flask, db: Session, vault: RecordVault, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    build_known_dataset(db, vault)
    _release(db)
    quarter = this_quarter().label
    out = tmp_path / "brief.html"
    result = runner.invoke(
        args=[
            "export",
            "quarterly",
            quarter,
            "--format",
            "html",
            "--out",
            str(out),
            "--language",
            "fr",
        ]
    )
    assert result.exit_code == 0, result.output
    assert '<html lang="fr">' in out.read_text(encoding="utf-8")
    refused = runner.invoke(
        args=[
            "export",
            "quarterly",
            quarter,
            "--format",
            "html",
            "--out",
            str(out),
            "--language",
            "de",
        ]
    )
    assert refused.exit_code != 0
    assert "unknown export language 'de': choose one of en, fr" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    analyst = make_user(db, Role.ANALYST)
    browser = sign_in(app, analyst.email)
    page = browser.get("/exports").get_data(as_text=True)
    assert '<option value="fr">Français</option>' in page
    token = AuthActions(browser, app).csrf_token("/exports")
    response = browser.post(
        "/exports",
        data={
            "quarter": quarter,
            "fmt": "json",
            "language": "fr",
            "download": "Download",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert json.loads(response.data)["language"] == "fr"
    wrong = browser.post(
        "/exports",
        data={
            "quarter": quarter,
            "fmt": "json",
            "language": "xx",
            "download": "Download",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422
