"""The strategy templates viewer: readable form of each version, the difference between two
versions side by side, and a validation panel naming the file and the field."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from hrd_cases.reads.templates import side_by_side, validation_problems
from tests.support.access import sign_in
from tests.support.factories import make_user, strategy_catalogue


def test_the_viewer_shows_versions_and_their_differences(app: Flask, db: Session) -> None:
    browser = sign_in(app, make_user(db, Role.ADMIN).email)
    listing = browser.get("/admin/templates")
    assert listing.status_code == 200 and "Every template file validates." in listing.get_data(
        as_text=True
    )
    kenya = strategy_catalogue().for_country("KE")
    numbers = [v.version for v in kenya.versions]
    assert len(numbers) >= 2
    page = browser.get("/admin/templates/KE").get_data(as_text=True)
    assert "Max grant eur" in page and "Statement levels" in page and "Priorities" in page
    rows = side_by_side(kenya.version(numbers[0]), kenya.version(numbers[1]))
    changed = [r for r in rows if r.change != "same"]
    assert changed, "the two Kenyan versions differ"
    diff = browser.get(f"/admin/templates/KE?a={numbers[0]}&b={numbers[1]}").get_data(as_text=True)
    assert diff.count('class="diff-changed"') + diff.count('class="diff-added"') + diff.count(
        'class="diff-removed"'
    ) == len(changed)
    assert browser.get("/admin/templates/KE?a=1&b=99").status_code == 404


def test_the_validation_panel_names_the_file_and_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hrd_cases.settings import CONFIG_DIR

    for source in (CONFIG_DIR / "strategies").glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "ke.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("max_grant_eur:", "max_grant_euros:", 1),
        encoding="utf-8",
    )
    problems = validation_problems(tmp_path)
    assert len(problems) == 1
    assert "ke.yaml" in problems[0] and "max_grant_eur" in problems[0]
