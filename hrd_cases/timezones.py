"""Each delegation's time zone: by default, the zone of its country's capital (IANA name).

Daily digests go out at 07:00 in it. Pure: no Flask, no database.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Countries with several zones where the tz database does not list the capital's first.
CAPITAL_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",  # Canberra
    "BR": "America/Sao_Paulo",  # Brasilia keeps Sao Paulo time
    "CA": "America/Toronto",  # Ottawa
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",  # Quito
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",  # Astana
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",  # Wellington
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",  # Washington
    "UZ": "Asia/Tashkent",
}


@cache
def _first_zone_by_country() -> dict[str, str]:
    """Country -> its first zone in the tz database's zone.tab (the tzdata package's copy)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        country, _coordinates, zone = line.split("\t")[:3]
        zones.setdefault(country, zone)
    return zones


def capital_time_zone(country: str) -> str:
    """The IANA zone of ``country``'s capital, or UTC for a code the tz database lacks."""
    code = country.upper()
    return CAPITAL_ZONES.get(code) or _first_zone_by_country().get(code, "UTC")


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every zone of the tz database the tzdata package ships (its ``zones`` list): the same
    on every machine, so the API document can declare them."""
    text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return tuple(sorted(text.split()))


def is_time_zone(name: str) -> bool:
    if name not in time_zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
