"""The column order of every registry table for bulk writes (fangkong.core.bulk), in one place:
the importer and the synthetic city build their row tuples in this order."""

from __future__ import annotations

from .models import Building, Community, Compound, Grid, GridWorker, Household, Person, PersonTag, PersonWelfare, Street, Unit

STAMP = ("created_at", "updated_at")
BULK_COLUMNS: dict[type, list[str]] = {
    Street: ["id", *STAMP, "district_id", "name", "kind"],
    Community: ["id", *STAMP, "district_id", "street_id", "name", "kind"],
    Grid: ["id", *STAMP, "district_id", "street_id", "community_id", "name"],
    GridWorker: [*STAMP, "grid_id", "name", "phone"],
    Compound: ["id", *STAMP, "district_id", "street_id", "community_id", "name"],
    Building: ["id", *STAMP, "district_id", "street_id", "community_id", "compound_id", "grid_id", "name"],
    Unit: ["id", *STAMP, "district_id", "street_id", "community_id", "compound_id", "building_id", "grid_id", "name"],
    Household: ["id", *STAMP, "district_id", "street_id", "community_id", "compound_id", "building_id", "unit_id", "grid_id", "number"],
    Person: [
        "id",
        *STAMP,
        "household_id",
        "district_id",
        "street_id",
        "community_id",
        "grid_id",
        "name",
        "id_type",
        "id_cipher",
        "id_hash",
        "id_masked",
        "id_tail",
        "sex",
        "birth_year",
        "birth_year_to",
        "birth_cipher",
        "phone_cipher",
        "phone_hash",
        "phone_masked",
    ],  # fmt: skip
    PersonTag: ["person_id", "tag"],
    PersonWelfare: ["person_id", "hukou_code", "family_status", "disability_level", "model_worker_level"],
}
