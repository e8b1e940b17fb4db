"""Country -> region: the five UN M49 regions (Statistics Division, "Standard country or area
codes for statistical use"). A fixed table, so a region's figures do not depend on a library's
version. Codes not listed (Antarctica, a typo) go to "Unassigned"."""

from __future__ import annotations

from types import MappingProxyType

UNASSIGNED = "Unassigned"

_M49_REGIONS: dict[str, str] = {
    "Africa": (
        "DZ EG LY MA SD TN EH "  # Northern Africa
        "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW IO TF "  # Eastern
        "AO CM CF TD CG CD GQ GA ST "  # Middle
        "BW SZ LS NA ZA "  # Southern
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"  # Western
    ),
    "Americas": (
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI "
        "BZ CR SV GT HN MX NI PA "
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE "
        "BM CA GL PM US"
    ),
    "Asia": (
        "KZ KG TJ TM UZ "
        "CN HK MO KP JP MN KR TW "
        "BN KH ID LA MY MM PH SG TH TL VN "
        "AF BD BT IN IR MV NP PK LK "
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    "Europe": (
        "BY BG CZ HU PL MD RO RU SK UA "
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB "
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK "
        "AT BE FR DE LI LU MC NL CH"
    ),
    "Oceania": (
        "AU CX CC HM NZ NF FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF"
    ),
}

REGIONS: tuple[str, ...] = (*_M49_REGIONS, UNASSIGNED)
REGION_OF_COUNTRY = MappingProxyType(
    {code: region for region, codes in _M49_REGIONS.items() for code in codes.split()}
)


def region_of(country: str) -> str:
    return REGION_OF_COUNTRY.get(country.upper(), UNASSIGNED)
