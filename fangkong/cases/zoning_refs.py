"""How zoning finds the cases that triggered a risk area (fangkong.zoning.triggers): by number,
within the user's grants, labelled without personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.policy.regimen import local_date
from fangkong.zoning.triggers import CaseRef, case_refs

from .models import Case


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


def register() -> None:
    case_refs.register(resolve)
