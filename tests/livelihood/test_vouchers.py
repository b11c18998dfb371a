"""The one-off voucher exactly as seed 003 states it: Hohhot 户籍; 60+ in 低保/低保边缘 families with
moderate or severe 失能失智; 65+ 城乡特困分散供养; 70+ 计生特扶, living alone, model workers at
municipal level or above, 因公致残/见义勇为; 80+ in 低保/低保边缘 families. Ages (周岁) on the
programme's reference date on both sides of each threshold; one voucher per person per programme;
the set-based run decides as the single decision does; totals in the seed's form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import PersonWelfare
from fangkong.livelihood.choices import VoucherForm, VoucherStatus
from fangkong.livelihood.eligibility import HUKOU_RULE, RULES_KEY, decide_person, eligible_people
from fangkong.livelihood.models import Voucher, VoucherProgramme
from fangkong.livelihood.services.vouchers import money, programme_add, voucher_issue, voucher_redeem, voucher_run
from fangkong.livelihood.vouchers import voucher_totals

from ..factories import make_person, make_tree, make_user, next_id_number

pytestmark = pytest.mark.django_db
REF = dt.date(2022, 11, 27)  # voucher.age_reference_date of the shipped profiles


def born(age: int, *, older_by_a_day: bool) -> dt.date:
    """A birth date making the person exactly `age` on REF (older_by_a_day: turned `age` the day
    before) or `age` − 1 (turns `age` the day after REF)."""
    day = REF.replace(year=REF.year - age)
    return day - dt.timedelta(days=1) if older_by_a_day else day + dt.timedelta(days=1)


def person(city, birth: dt.date, *, tags=(), hukou="150102", family="", disability="", worker=""):
    p = make_person(city.home.household, "测试老人", id_number=next_id_number("150102", birth), tags=tags)
    PersonWelfare.objects.create(person=p, hukou_code=hukou, family_status=family, disability_level=disability, model_worker_level=worker)
    return p


@pytest.fixture
def programme(users, city):
    return programme_add(actor=users["district"], name="2022 年一次性消费券", place=city.home.district)


CASES = [
    # (threshold, facts, rule)
    (60, {"family": "dibao", "disability": "moderate"}, "dibao_disabled_60"),
    (60, {"family": "dibao_edge", "disability": "severe"}, "dibao_disabled_60"),
    (65, {"family": "tekun_dispersed"}, "tekun_dispersed_65"),
    (70, {"tags": ["jisheng_tefu"]}, "special_70"),
    (70, {"tags": ["elderly_alone"]}, "special_70"),
    (70, {"worker": "municipal"}, "special_70"),
    (70, {"worker": "national"}, "special_70"),
    (70, {"tags": ["disabled_on_duty"]}, "special_70"),
    (70, {"tags": ["bravery"]}, "special_70"),
    (80, {"family": "dibao"}, "dibao_80"),
    (80, {"family": "dibao_edge"}, "dibao_80"),
]


@pytest.mark.parametrize(("age", "facts", "code"), CASES)
def test_each_threshold_both_sides(city, programme, age, facts, code):
    at = person(city, born(age, older_by_a_day=True), **facts)
    exactly = person(city, REF.replace(year=REF.year - age), **facts)  # birthday on the reference date
    below = person(city, born(age, older_by_a_day=False), **facts)
    assert decide_person(programme, at).rule == code
    assert decide_person(programme, exactly).rule == code
    refused = decide_person(programme, below)
    assert not refused.eligible and refused.rule == RULES_KEY
    assert f"未满 {age} 周岁" in refused.reason
    # The set-based run decides as the single decision does (the year leaves these in doubt).
    found = {pid: rule for pid, rule, _places in eligible_people(programme)}
    assert found == {at.pk: code, exactly.pk: code}


@pytest.mark.parametrize(
    "facts",
    [
        {"family": "dibao", "disability": "mild"},  # 60+: only moderate or severe
        {"family": "", "disability": "severe"},  # 60+: only in 低保/低保边缘 families
        {"family": "tekun_central"},  # 65+: only 分散供养
        {"worker": "below_municipal"},  # 70+: model workers at municipal level or above
        {"tags": ["empty_nest"]},  # 空巢 is not 独居
    ],
)
def test_categories_outside_the_rules_are_refused(city, programme, facts):
    p = person(city, born(79, older_by_a_day=True), **facts)
    assert not decide_person(programme, p).eligible


def test_hukou_rule(city, programme):
    baotou = person(city, born(85, older_by_a_day=True), family="dibao", hukou="150202")
    unknown = make_person(
        city.home.household, "无民政记录", id_number=next_id_number("150102", born(85, older_by_a_day=True)), tags=["elderly_alone"]
    )
    assert decide_person(programme, baotou).rule == HUKOU_RULE
    assert decide_person(programme, unknown).rule == HUKOU_RULE
    assert list(eligible_people(programme)) == []


def test_issue_refuses_naming_the_rule_and_only_once(users, city, programme):
    district = users["district"]
    young = person(city, born(60, older_by_a_day=False), family="dibao", disability="severe")
    with pytest.raises(DomainError) as exc:
        voucher_issue(actor=district, programme=programme, person=young)
    assert exc.value.field == "person" and exc.value.rule == RULES_KEY
    old = person(city, born(80, older_by_a_day=True), family="dibao")
    voucher = voucher_issue(actor=district, programme=programme, person=old, form=VoucherForm.CODE)
    assert voucher.rule == "dibao_80" and voucher.amount == Decimal("200.00") and len(voucher.code) == 12
    with pytest.raises(DomainError) as exc:
        voucher_issue(actor=district, programme=programme, person=old, form=VoucherForm.GOODS)
    assert exc.value.rule == "livelihood.one_voucher_per_person"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        Voucher.objects.create(
            programme=programme, person=old, rule="x", amount=Decimal("200.00"), form="goods", issued_at=voucher.issued_at
        )
    voucher_redeem(actor=district, voucher=voucher)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED
    with pytest.raises(DomainError):
        voucher_redeem(actor=district, voucher=voucher)


def test_community_run_and_totals(users, city, programme):
    for age in (61, 66, 72, 85):
        person(city, born(age, older_by_a_day=True), family="dibao", disability="moderate")
    person(city, born(50, older_by_a_day=True), family="dibao", disability="moderate")  # too young
    outside = make_person(city.elsewhere.household, "外区", id_number=next_id_number("150103", born(90, older_by_a_day=True)))
    PersonWelfare.objects.create(person=outside, hukou_code="150103", family_status="dibao")
    assert voucher_run(actor=users["street"], programme=programme, community=city.home.community, form=VoucherForm.GOODS) == 4
    assert voucher_run(actor=users["street"], programme=programme, community=city.home.community) == 0  # once per person
    totals = voucher_totals(user=users["command"], programme=programme)
    assert (totals.people, totals.amount, totals.wan) == (4, Decimal("800.00"), Decimal("0.08"))
    assert voucher_totals(user=users["nogrant"], programme=programme).people == 0


@pytest.mark.parametrize(
    ("raw", "ok"), [("200", True), ("200.5", True), ("200.005", False), ("-1", False), ("0", False), ("abc", False), ("NaN", False)]
)
def test_money_is_whole_cents(raw, ok):
    if ok:
        assert money(raw, field="amount") == Decimal(raw).quantize(Decimal("0.01"))
    else:
        with pytest.raises(DomainError) as exc:
            money(raw, field="amount")
        assert exc.value.field == "amount"


def test_a_programme_lies_within_its_creators_grants(users, city):
    """The attack: a community worker sets up a programme over the whole city, their district, or
    another district's community — refused naming the scope field, nothing written."""
    worker = users["community"]
    for place in (None, city.home.district, city.home.street, city.elsewhere.community):
        with pytest.raises(DomainError) as exc:
            programme_add(actor=worker, name=f"越权方案 {place}", place=place)
        assert exc.value.field == "scope" and exc.value.rule == "livelihood.programme_scope"
    assert not VoucherProgramme.objects.exists()
    own = programme_add(actor=worker, name="本社区方案", place=city.home.community)
    assert (own.district_id, own.street_id, own.community_id) == (city.home.district.pk, city.home.street.pk, city.home.community.pk)
    assert programme_add(actor=users["street"], name="本街道方案", place=city.home.street).community_id is None
    citywide = make_user("city-civil-affairs", Role.DISTRICT_OFFICE, [("city", None)])
    assert programme_add(actor=citywide, name="全市方案", place=None).district_id is None


def test_vouchers_only_inside_the_programmes_scope(users, city):
    """A programme over a community issues to nobody outside it: neither a run of another community
    of the same district nor one person from there."""
    other = make_tree(street="中山东路街道", community="另一社区", compound="另一小区")
    district = users["district"]
    programme = programme_add(actor=district, name="迎宾南路社区方案", place=city.home.community)
    outsider = make_person(other.household, "外社区老人", id_number=next_id_number("150102", born(85, older_by_a_day=True)))
    PersonWelfare.objects.create(person=outsider, hukou_code="150102", family_status="dibao")
    with pytest.raises(DomainError) as exc:
        voucher_run(actor=district, programme=programme, community=other.community)
    assert exc.value.field == "community" and exc.value.rule == "livelihood.programme_scope"
    with pytest.raises(DomainError) as exc:
        voucher_issue(actor=district, programme=programme, person=outsider)
    assert exc.value.field == "person" and exc.value.rule == "livelihood.programme_scope"
    assert not Voucher.objects.exists()
    insider = person(city, born(85, older_by_a_day=True), family="dibao")
    assert voucher_issue(actor=district, programme=programme, person=insider).community_id == city.home.community.pk


def test_who_sees_a_programme(users, city):
    """A programme is seen where its scope meets the user's grants: inside them or holding them."""
    from fangkong.livelihood.vouchers import programme_list

    street_one = programme_add(actor=users["street"], name="街道方案", place=city.home.street)
    citywide = make_user("city-civil-affairs", Role.DISTRICT_OFFICE, [("city", None)])
    far = programme_add(actor=citywide, name="外区方案", place=city.elsewhere.district)
    city_wide = programme_add(actor=citywide, name="全市方案", place=None)
    seen = {role: {p.name for p in programme_list(user=users[role])} for role in ("community", "district", "command", "nogrant")}
    assert seen["community"] == seen["district"] == {street_one.name, city_wide.name}
    assert seen["command"] == {street_one.name, far.name, city_wide.name}
    assert seen["nogrant"] == set()
