"""A logical copy (`dumpdata` / `loaddata`) never carries the residents the database keeps for the areas
in force (zoning.AreaResident, decision 0011): the dump leaves them out, a load skips them when an
older dump (Django's own command) holds them, and the triggers write them again as the people, areas
and places are loaded — `manage.py zoning_residents` finds nothing to correct."""

from __future__ import annotations

import io
import json

from django.core.management import call_command
from django.core.management.commands import dumpdata as django_dumpdata

from fangkong.geo.models import Person
from fangkong.zoning.models import AreaResident, RiskArea

from .test_area_residents import live_pairs, stored_pairs
from .test_lifting import declare


def _models(dump: str) -> set[str]:
    return {o["model"] for o in json.loads(dump)}


def test_a_dump_of_the_project_leaves_the_stored_residents_out(twenty, users, block, tmp_path):
    declare(users, [("building", block.tree.building.pk)])
    assert AreaResident.objects.count() == 3
    path = tmp_path / "project.json"
    call_command("dumpdata", output=str(path), verbosity=0)  # the whole project, as an operator would
    models = _models(path.read_text(encoding="utf-8"))
    assert {"geo.person", "geo.household", "zoning.riskarea", "zoning.riskareaplace"} <= models
    assert "zoning.arearesident" not in models
    # Named or not, with an exclude of the operator's own: still left out.
    out = io.StringIO()
    call_command("dumpdata", "zoning", exclude=["zoning.LiftFigures"], stdout=out)
    assert "zoning.riskarea" in _models(out.getvalue()) and not {"zoning.arearesident", "zoning.liftfigures"} & _models(out.getvalue())


def test_loading_a_dump_that_holds_stale_residents_leaves_the_stored_ones_true(twenty, users, block, tmp_path):
    """A dump made with Django's own command holds the pairs, here with one no longer true (a person
    who moved out after the dump was taken would look the same); loading it skips them, and the
    triggers write the true ones as the people and the area's places come back."""
    area = declare(users, [("building", block.tree.building.pk)])
    out = io.StringIO()
    call_command(django_dumpdata.Command(), "geo.person", "zoning", stdout=out)
    fixture = json.loads(out.getvalue())
    assert "zoning.arearesident" in {o["model"] for o in fixture}  # what Django's command carries
    fixture.append({"model": "zoning.arearesident", "pk": 10**6, "fields": {"area": area.pk, "person_id": 10**9}})
    RiskArea.objects.all().delete()
    Person.objects.filter(pk__in=[p.pk for p in block.residents]).delete()
    assert not AreaResident.objects.exists()

    path = tmp_path / "old-dump.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    assert RiskArea.objects.get(pk=area.pk).status == "in_force"
    assert stored_pairs() == live_pairs() == {(area.pk, p.pk) for p in block.residents}
    call_command("zoning_residents", stdout=io.StringIO())  # exits 0: nothing missing, nothing extra


def test_every_table_kept_by_triggers_is_declared_derived():
    """The roll-ups other modules keep by triggers (the ledger's figures, the volunteers' day totals)
    are left out of a logical copy the same way: each is declared in its module."""
    from fangkong.core.modules import registry

    assert {"zoning.AreaResident", "livelihood.LedgerCount", "livelihood.PairCount", "volunteers.DayTotal"} <= set(
        registry.derived_models()
    )
