"""Reads of the people who serve besides volunteers (报到党员, 包联干部, 下沉政法干警): who is serving
where (names and masked phones: volunteers.view and a grant), and the figures in the seeds' form
(seed 002: "全市12300多名机关党员干部到共建社区配合开展疫情防控工作，1500多名机关党员干部在居住地小区
协助落实疫情防控措施"; seed 004: "已落实2010名政法干警，下沉到农村和社区") for a Beijing day, inside the
user's grants — one grouped query, no name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError

from .choices import DeploymentKind
from .models import Deployment


def serving_on(day: dt.date) -> Q:
    """Deployments whose period holds the Beijing day."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


# ---- who a compound may take on: its 4+N duty roster and its 上门服务 work groups ----

AVAILABLE_RULE = "volunteers.deployment_available"


def available_at(compound_id: int, day: dt.date) -> Q:
    """Deployments a compound may take on on a Beijing day: sent to that compound, their period not
    over (one may be taken on ahead of its start). `check_available` is the same rule for one
    deployment, with the refusal naming the field."""
    return Q(compound_id=compound_id) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def check_available(deployment: Deployment, *, compound_id: int | None, day: dt.date) -> None:
    """The one rule for putting a deployed person on a compound's 4+N roster (volunteers'
    deployment_to_roster) or its 上门服务 work group (livelihood's member_from_deployment): sent to
    the compound (`compound_id`; None: their own), their period not over on `day`."""
    if deployment.compound_id is None:
        raise DomainError(_("只有下沉到小区的人员才能编入小区的 4+N 值守或上门服务工作组"), field="compound", rule=AVAILABLE_RULE)
    if compound_id is not None and deployment.compound_id != compound_id:
        raise DomainError(_("%(n)s 下沉在其他小区，不能编入本小区") % {"n": deployment.name}, field="deployment", rule=AVAILABLE_RULE)
    if deployment.ends_on is not None and deployment.ends_on < day:
        raise DomainError(_("该人员的下沉已于 %(d)s 结束") % {"d": deployment.ends_on.isoformat()}, field="deployment", rule=AVAILABLE_RULE)


def deployments_available(*, user: Any, compound_id: int, day: dt.date) -> QuerySet[Deployment]:
    """The deployed people the user sees whom the compound may take on (for a work group's select)."""
    return Deployment.objects.visible_to(user).filter(available_at(compound_id, day)).order_by("kind", "name", "id")


def deployment_contact(deployment: Deployment) -> str:
    """The deployed person's phone in full, for the roster or the work group they join (sealed there again)."""
    return decrypt(deployment.phone_cipher)


def deployment_list(*, user: Any, kind: str = "", community_id: int | None = None, on: dt.date | None = None) -> QuerySet[Deployment]:
    qs = Deployment.objects.visible_to(user).select_related("community", "compound")
    if kind in DeploymentKind.values:
        qs = qs.filter(kind=kind)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if on is not None:
        qs = qs.filter(serving_on(on))
    return qs


def deployment_get(*, user: Any, pk: int) -> Deployment:
    return get_object_or_404(Deployment.objects.visible_to(user).select_related("community", "compound", "district"), pk=pk)


@dataclass(frozen=True)
class ServingFigures:
    day: dt.date
    party_members: int
    at_residence: int
    cadres: int
    police: int
    communities: int
    compounds: int
    rostered: int

    @property
    def people(self) -> int:
        return self.party_members + self.cadres + self.police

    @property
    def sentence(self) -> str:
        return _(
            "在岗报到党员 %(p)s 名（其中在居住地小区 %(r)s 名）、包联干部 %(c)s 名、下沉政法干警 %(g)s 名，"
            "覆盖社区 %(n)s 个、小区 %(m)s 个；编入 4+N 值守 %(d)s 名"
        ) % {
            "p": f"{self.party_members:,}",
            "r": f"{self.at_residence:,}",
            "c": f"{self.cadres:,}",
            "g": f"{self.police:,}",
            "n": f"{self.communities:,}",
            "m": f"{self.compounds:,}",
            "d": f"{self.rostered:,}",
        }


def serving_figures(*, user: Any, day: dt.date, district_id: int | None = None) -> ServingFigures:
    qs = Deployment.objects.covered_by(user).filter(serving_on(day))
    if district_id:
        qs = qs.filter(district_id=district_id)
    agg = qs.aggregate(
        party=Count("id", filter=Q(kind=DeploymentKind.PARTY_MEMBER)),
        home=Count("id", filter=Q(kind=DeploymentKind.PARTY_MEMBER, at_residence=True)),
        cadres=Count("id", filter=Q(kind=DeploymentKind.CADRE)),
        police=Count("id", filter=Q(kind=DeploymentKind.POLICE)),
        communities=Count("community_id", distinct=True),
        compounds=Count("compound_id", distinct=True),
        rostered=Count("id", filter=Q(duty_post_id__isnull=False)),
    )
    return ServingFigures(
        day, agg["party"], agg["home"], agg["cadres"], agg["police"], agg["communities"], agg["compounds"], agg["rostered"]
    )
