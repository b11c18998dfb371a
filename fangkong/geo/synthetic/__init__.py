"""The synthetic city: a deterministic Hohhot for the demo, the tests and the benchmarks."""

from ..birth import age_on
from .city import CityStats, RegistryNotEmpty, city_generate, registry_clear
from .people import TAG_RULES, TagRule

__all__ = ["TAG_RULES", "CityStats", "RegistryNotEmpty", "TagRule", "age_on", "city_generate", "registry_clear"]
