"""How zoning finds the cases that triggered a risk area (fangkong.zoning.triggers): by number,
within the user's grants, labelled without personal data; and how its map counts the active cases
living in each building (fangkong.zoning.map), for those who may see cases (cases.view)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.policy.regimen import local_date
from fangkong.zoning.map import case_buildings
from fangkong.zoning.triggers import CaseRef, case_refs

from .choices import CASE_ACTIVE
from .models import Case
from .permissions import CasesCap


def resolve(case_ids: Sequence[int], user: Any) -> dict[int, CaseRef]:
    qs = Case.objects.filter(pk__in=list(case_ids))
    if user is not None:
        qs = qs.visible_to(user)
    return {
        pk: CaseRef(
            pk, _("病例 #%(pk)s（%(d)s 确诊）") % {"pk": pk, "d": local_date(at).isoformat()}, reverse("cases:case_detail", args=[pk])
        )
        for pk, at in qs.values_list("pk", "confirmed_at")
    }


def count_by_building(user: Any) -> dict[int, int]:
    """Active cases (open, admitted, in home monitoring) by the building of their household, inside the user's grants."""
    rows = (
        Case.objects.visible_to(user)
        .filter(status__in=CASE_ACTIVE, household__isnull=False)
        .values_list("household__building_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {building_id: n for building_id, n in rows if building_id is not None}


def register() -> None:
    case_refs.register(resolve)
    case_buildings.register(count_by_building, capability=CasesCap.VIEW)
