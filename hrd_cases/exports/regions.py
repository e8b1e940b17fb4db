"""Country -> region, from a mapping file in ``config/regions/`` (validated at load).

The default is the EEAS geographic divisions (``eeas.yaml``); the UN M49 regions are shipped as
an alternative (``un_m49.yaml``); the settings' ``regions_file`` chooses. A bad file is one
line naming the file and the code, never a half-loaded map. Codes not listed (a typo stored
before validation, Antarctica) go to "Unassigned", which every table prints last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pycountry
import yaml

UNASSIGNED = "Unassigned"
DEFAULT_REGIONS_FILE = Path(__file__).resolve().parents[2] / "config" / "regions" / "eeas.yaml"
# ISO 3166-1 user-assigned codes in use for countries pycountry does not list.
EXTRA_CODES = frozenset({"XK"})  # Kosovo
_CODE = re.compile(r"[A-Z]{2}")


class RegionsFileError(ValueError):
    """A regions file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class RegionMap:
    name: str
    regions: tuple[str, ...]  # in the file's order, then Unassigned
    region_of_country: MappingProxyType[str, str]

    def region_of(self, country: str) -> str:
        return self.region_of_country.get(country.upper(), UNASSIGNED)


def load_regions(path: Path | str) -> RegionMap:
    path = Path(path)
    shown = path.name if path.parent.name != "regions" else f"config/regions/{path.name}"
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegionsFileError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError:
        raise RegionsFileError(f"{shown}: not valid YAML") from None
    if not isinstance(document, dict) or not isinstance(document.get("regions"), dict):
        raise RegionsFileError(f"{shown}: expected 'name' and a 'regions' mapping")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegionsFileError(f"{shown}: 'name' must be a non-empty string")
    region_of: dict[str, str] = {}
    for region, codes in document["regions"].items():
        if not isinstance(region, str) or not region.strip() or region == UNASSIGNED:
            raise RegionsFileError(f"{shown}: invalid region name {region!r}")
        if not isinstance(codes, list) or not codes:
            raise RegionsFileError(f"{shown}: region {region!r} must list country codes")
        for code in codes:
            if not isinstance(code, str) or not _known(code):
                raise RegionsFileError(
                    f"{shown}: unknown country code {str(code)[:8]!r} in region {region!r}"
                )
            if code in region_of:
                raise RegionsFileError(
                    f"{shown}: duplicate country {code!r} in {region_of[code]!r} and {region!r}"
                )
            region_of[code] = region
    regions = (*document["regions"], UNASSIGNED)
    return RegionMap(name.strip(), regions, MappingProxyType(region_of))


def _known(code: str) -> bool:
    if not _CODE.fullmatch(code):
        return False
    return code in EXTRA_CODES or pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=8)
def regions_from(path: str) -> RegionMap:
    """Loaded once per file and process (the files are configuration, not data)."""
    return load_regions(path)


def default_regions() -> RegionMap:
    return regions_from(str(DEFAULT_REGIONS_FILE))
