"""Acceptance 4: regions come from a validated file in config/regions/; a bad code or a
duplicate country is a one-line error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrd_cases.exports.regions import (
    DEFAULT_REGIONS_FILE,
    UNASSIGNED,
    RegionsFileError,
    load_regions,
)
from hrd_cases.settings import CONFIG_DIR

EEAS = (
    "Africa",
    "Americas",
    "Asia and Pacific",
    "Europe and Central Asia",
    "Middle East and North Africa",
)


def test_the_default_is_the_eeas_geographic_divisions() -> None:
    regions = load_regions(DEFAULT_REGIONS_FILE)
    assert regions.regions == (*EEAS, UNASSIGNED)
    assert regions.region_of("TR") == "Europe and Central Asia"  # not Asia, as under M49
    assert regions.region_of("EG") == "Middle East and North Africa"
    assert regions.region_of("KE") == "Africa"
    assert regions.region_of("AQ") == UNASSIGNED


def test_un_m49_is_shipped_as_an_alternative() -> None:
    regions = load_regions(CONFIG_DIR / "regions" / "un_m49.yaml")
    assert regions.regions == ("Africa", "Americas", "Asia", "Europe", "Oceania", UNASSIGNED)
    assert regions.region_of("TR") == "Asia"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nregions:\n  Africa: [KE, QQ]\n", "unknown country code 'QQ' in region 'Africa'"),
        ("name: x\nregions:\n  Africa: [KE, ke]\n", "unknown country code 'ke'"),
        (
            "name: x\nregions:\n  Africa: [KE]\n  Europe: [FR, KE]\n",
            "duplicate country 'KE' in 'Africa' and 'Europe'",
        ),
        ("name: x\nregions: [KE]\n", "expected 'name' and a 'regions' mapping"),
        ("name: x\nregions:\n  Africa: [\n", "not valid YAML"),
    ],
)
def test_a_bad_regions_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "regions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegionsFileError) as raised:
        load_regions(path)
    error = str(raised.value)
    assert error.startswith("regions.yaml: ") and message in error
    assert "\n" not in error
