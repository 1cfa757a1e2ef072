"""The impact indicators a study may report: the core environmental impact indicators of EN 15804+A2 (the
Environmental Footprint 3.x categories), each with the one unit its results are expressed in."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    abbreviation: str
    unit: str


INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("climate_change", "Climate change – total", "GWP-total", "kg CO2 eq"),
    Indicator("climate_change_fossil", "Climate change – fossil", "GWP-fossil", "kg CO2 eq"),
    Indicator("climate_change_biogenic", "Climate change – biogenic", "GWP-biogenic", "kg CO2 eq"),
    Indicator("climate_change_land_use", "Climate change – land use and land use change", "GWP-luluc",
              "kg CO2 eq"),
    Indicator("ozone_depletion", "Ozone depletion", "ODP", "kg CFC-11 eq"),
    Indicator("acidification", "Acidification", "AP", "mol H+ eq"),
    Indicator("eutrophication_freshwater", "Eutrophication, freshwater", "EP-freshwater", "kg P eq"),
    Indicator("eutrophication_marine", "Eutrophication, marine", "EP-marine", "kg N eq"),
    Indicator("eutrophication_terrestrial", "Eutrophication, terrestrial", "EP-terrestrial", "mol N eq"),
    Indicator("photochemical_ozone_formation", "Photochemical ozone formation", "POCP", "kg NMVOC eq"),
    Indicator("resource_use_minerals_metals", "Depletion of abiotic resources – minerals and metals",
              "ADP-minerals&metals", "kg Sb eq"),
    Indicator("resource_use_fossils", "Depletion of abiotic resources – fossil fuels", "ADP-fossil", "MJ"),
    Indicator("water_use", "Water use (deprivation-weighted)", "WDP", "m3 world eq deprived"),
)}

# Every study reports at least this one.
REQUIRED = "climate_change"


def _folded(unit: str) -> str:
    """A unit as written, without the differences of spelling that do not change it: case, spaces, hyphens,
    dots, subscript and superscript digits, "eq"/"eq."/"-eq"/"e" after CO2."""
    text = unit.translate(str.maketrans("₂³⁺", "23+")).lower()
    text = re.sub(r"[\s\-.·_]", "", text)
    text = re.sub(r"equivalents?$|equiv$", "eq", text)
    return re.sub(r"co2e$", "co2eq", text)


_FOLDED = {key: _folded(indicator.unit) for key, indicator in INDICATORS.items()}


def unit_matches(indicator: str, unit: str) -> bool:
    return _FOLDED[indicator] == _folded(unit)


def catalogue() -> list[dict[str, str]]:
    return [{"key": i.key, "name": i.name, "abbreviation": i.abbreviation, "unit": i.unit}
            for i in INDICATORS.values()]
