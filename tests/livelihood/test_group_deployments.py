"""Volunteers' deployed people (报到党员, 包联干部, 下沉政法干警 — issue 18 item 5) are available to the
上门服务 work groups as to the 4+N duty rosters, by one rule (volunteers.serving.check_available):
sent to the group's compound, their period not over today. Their name, phone and account come across;
another compound's, an ended one, one outside the worker's grants, or the same one twice are refused
naming the field, nothing written; on the group page the select offers exactly the available ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.livelihood.choices import MemberKind
from fangkong.livelihood.models import GroupMember
from fangkong.livelihood.services.groups import member_from_deployment
from fangkong.policy.regimen import local_date
from fangkong.volunteers.services import deployment_add

from ..factories import make_tree, make_user

pytestmark = pytest.mark.django_db


def send(users, community, *, compound=None, kind="party_member", name="党员甲", phone="13900000001", starts=-3, ends=None, account=None):
    today = local_date(now())
    d = deployment_add(
        actor=users["district"],
        kind=kind,
        name=name,
        phone=phone,
        work_unit="市委组织部",
        community=community,
        compound=compound,
        starts_on=today + dt.timedelta(days=starts),
        ends_on=None if ends is None else today + dt.timedelta(days=ends),
    )
    if account is not None:
        d.user = account
        d.save(update_fields=["user"])
    return d


@pytest.fixture
def other_compound(city):
    return make_tree(compound="另一小区", building="9号楼").compound


def test_a_deployed_person_joins_the_work_group_of_their_compound(users, city, worker, group, deliverer):
    d = send(users, city.home.community, compound=city.home.compound, kind="cadre", name="干部丙", phone="13900000003", account=deliverer)
    member = member_from_deployment(actor=worker, group=group, deployment_id=d.pk)
    assert (member.kind, member.name, member.phone_masked, member.user, member.deployment_id) == (
        MemberKind.ASSIGNED_CADRE,
        "干部丙",
        d.phone_masked,
        deliverer,
        d.pk,
    )
    police = send(users, city.home.community, compound=city.home.compound, kind="police", name="干警丁", phone="13900000004", starts=2)
    assert member_from_deployment(actor=worker, group=group, deployment_id=police.pk).kind == MemberKind.POLICE  # ahead of its start
    with pytest.raises(DomainError) as exc:
        member_from_deployment(actor=worker, group=group, deployment_id=d.pk)
    assert exc.value.field == "deployment" and exc.value.rule == "livelihood.member_deployment_once"


def test_the_rule_is_the_rosters_other_compound_no_compound_ended_or_not_seen_are_refused(users, city, worker, group, other_compound):
    cases = {
        "compound": send(users, city.home.community, name="党员甲", phone="13900000011"),  # the community, no compound
        "deployment": send(users, city.home.community, compound=other_compound, name="党员乙", phone="13900000012"),
    }
    ended = send(users, city.home.community, compound=city.home.compound, name="党员丙", phone="13900000013", starts=-9, ends=-1)
    for field, d in [*cases.items(), ("deployment", ended)]:
        with pytest.raises(DomainError) as exc:
            member_from_deployment(actor=worker, group=group, deployment_id=d.pk)
        assert exc.value.field == field and exc.value.rule == "volunteers.deployment_available", d.name
    far_office = make_user("far-office", "district_office", [("district", city.elsewhere.district)])
    far = deployment_add(
        actor=far_office, kind="police", name="外区干警", phone="13900000014", work_unit="公安局",
        community=city.elsewhere.community, starts_on=local_date(now()),
    )  # fmt: skip
    with pytest.raises(DomainError) as exc:
        member_from_deployment(actor=worker, group=group, deployment_id=far.pk)
    assert exc.value.field == "deployment"
    assert not GroupMember.objects.exists()


def test_the_group_page_offers_the_available_ones_and_adds_one(client, users, city, worker, group, other_compound):
    mine = send(users, city.home.community, compound=city.home.compound, name="党员甲", phone="13900000021")
    other = send(users, city.home.community, compound=other_compound, name="党员乙", phone="13900000022")
    ended = send(users, city.home.community, compound=city.home.compound, name="党员丙", phone="13900000023", starts=-9, ends=-1)
    client.force_login(worker)
    page = client.get(reverse("livelihood:group_detail", args=[group.pk])).content.decode()
    assert "党员甲" in page and "党员乙" not in page and "党员丙" not in page
    url = reverse("livelihood:member_deployed_create", args=[group.pk])
    for d in (other, ended):
        refused = client.post(url, {"deployment": d.pk})
        assert refused.status_code == 422 and refused.context["deployed_form"].errors.get("deployment") is not None, d.name
    assert client.post(url, {"deployment": mine.pk}).status_code == 302
    page = client.get(reverse("livelihood:group_detail", args=[group.pk])).content.decode()
    assert "data-deployed" in page and 'data-empty="deployed"' in page  # joined, none left to offer
    assert GroupMember.objects.get().deployment_id == mine.pk
    client.force_login(users["grid"])  # may see the group (details) but not keep it
    assert client.post(url, {"deployment": mine.pk}).status_code == 403
