"""Opening cases: the queue of positives from 快检 (all at once, or one with the medical team's
assessment), and a case opened by hand for a person found by their full ID number — with the
refusals shown (a second active case), masked numbers, roles and scope."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fangkong.cases.choices import CaseSource, Classification, FacilityKind
from fangkong.cases.models import Case
from fangkong.core.crypto import decrypt
from fangkong.testing.choices import PositiveStatus
from fangkong.testing.models import ConfirmedPositive

from .factories import board_transfer, open_case
from .pages import as_user, positives_fixture  # noqa: F401  (a fixture)

QUEUE = reverse("cases:queue")
OPEN = reverse("cases:case_open")


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# ---- the queue ----


def test_the_queue_lists_the_positives_the_user_covers(client, positives, users, wards):
    home, elsewhere = positives
    response = as_user(client, users["district"]).get(QUEUE)
    assert [r["positive"].pk for r in response.context["rows"]] == [home.pk]
    content = response.content.decode()
    assert home.person.id_masked in content and decrypt(home.person.id_cipher) not in content
    assert len(as_user(client, users["command"]).get(QUEUE).context["rows"]) == 2


def test_opening_the_whole_queue_puts_the_cases_on_the_board(client, positives, users):
    response = as_user(client, users["district"]).post(reverse("cases:queue_open_all"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:board")
    assert "已转为病例 1 例" in response.content.decode()
    case = Case.objects.get(origin_positive=positives[0])
    assert case.source == CaseSource.QUEUE and board_transfer(case).triage_kind == FacilityKind.FANGCANG
    assert ConfirmedPositive.objects.get(pk=positives[1].pk).status == PositiveStatus.AWAITING_CASE  # 回民区's: not theirs


def test_one_positive_opened_with_the_medical_teams_assessment(client, positives, users):
    home = positives[0]
    data = {f"p{home.pk}-classification": "moderate", f"p{home.pk}-risk_factors": ["pregnancy"], f"p{home.pk}-note": "CT 示肺炎"}
    response = as_user(client, users["district"]).post(reverse("cases:queue_open_one", args=[home.pk]), data)
    case = Case.objects.get(origin_positive=home)
    assert response.status_code == 302 and response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert case.classification == Classification.MODERATE and case.risk_factors == ["pregnancy"]
    assert board_transfer(case).triage_kind == FacilityKind.HOSPITAL
    # handed over: gone from the queue
    assert as_user(client, users["district"]).post(reverse("cases:queue_open_one", args=[home.pk]), data).status_code == 404


def test_the_queue_is_for_those_who_open_cases_and_their_own_positives(client, positives, users, wards):
    for user in (users["community"], wards.hospital_user):
        assert as_user(client, user).get(QUEUE).status_code == 403
        assert as_user(client, user).post(reverse("cases:queue_open_all")).status_code == 403
    elsewhere = positives[1]
    response = as_user(client, users["district"]).post(reverse("cases:queue_open_one", args=[elsewhere.pk]), {})
    assert response.status_code == 404


# ---- by hand ----


def test_a_person_is_found_by_their_full_id_number_only(client, users, wards):
    c = as_user(client, users["district"])
    person = wards.people[1]
    response = c.post(OPEN, {"id_number": decrypt(person.id_cipher)})
    assert response.context["person"] == person and response.context["form"] is not None
    table = response.content.decode().split('id="found-person"')[1]
    assert person.id_masked in table and decrypt(person.id_cipher) not in table
    response = c.post(OPEN, {"id_number": person.name})
    assert response.context["person"] is None and "请输入完整的证件号码" in response.content.decode()
    response = c.post(OPEN, {"id_number": decrypt(wards.elsewhere.id_cipher)})  # 回民区: not the district's
    assert response.context["person"] is None and "不在您的管辖范围内" in response.content.decode()


def test_a_case_opened_by_hand_goes_on_the_board(client, users, wards):
    person = wards.people[1]
    confirmed = timezone.now() - dt.timedelta(hours=2)
    data = {
        "person": person.pk,
        "classification": "mild",
        "confirmed_at": local(confirmed),
        "source": CaseSource.HOSPITAL_REPORT,
        "source_note": "市第一医院发热门诊报告",
        "reporting_facility": wards.hospital.pk,
    }
    response = as_user(client, users["district"]).post(OPEN, data, follow=True)
    case = Case.objects.get(person=person)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[case.pk])
    assert "已登记病例" in response.content.decode() and "转运时限" in response.content.decode()
    assert case.reporting_facility == wards.hospital and case.source_note == "市第一医院发热门诊报告"
    assert board_transfer(case).deadline_at > confirmed


def test_a_second_active_case_is_refused_and_shown_before_anything_is_typed(client, users, wards):
    person = wards.people[1]
    existing = open_case(users["command"], person)
    c = as_user(client, users["district"])
    response = c.post(OPEN, {"id_number": decrypt(person.id_cipher)})
    assert response.context["active_case"] == existing and "active-case-refusal" in response.content.decode()
    data = {
        "person": person.pk,
        "classification": "mild",
        "confirmed_at": local(timezone.now()),
        "source": CaseSource.EXTERNAL_NOTICE,
        "source_note": "包头市协查函",
    }
    response = c.post(OPEN, data)
    assert response.status_code == 422 and "一人同时只能有一个在管病例" in response.content.decode()
    assert Case.objects.filter(person=person).count() == 1


def test_times_out_of_order_are_refused_on_their_field(client, users, wards):
    data = {
        "person": wards.people[1].pk,
        "classification": "mild",
        "confirmed_at": local(timezone.now() - dt.timedelta(hours=3)),
        "positive_at": local(timezone.now() - dt.timedelta(hours=1)),
        "source": CaseSource.HOSPITAL_REPORT,
        "source_note": "市第一医院",
    }
    response = as_user(client, users["command"]).post(OPEN, data)
    assert response.status_code == 422
    assert response.context["form"].errors["confirmed_at"]
    assert not Case.objects.exists()


def test_opening_by_hand_needs_the_role_and_the_person_in_scope(client, users, wards):
    assert as_user(client, users["community"]).get(OPEN).status_code == 403
    assert as_user(client, wards.hospital_user).post(OPEN, {}).status_code == 403
    data = {"person": wards.elsewhere.pk, "classification": "mild", "confirmed_at": local(timezone.now())}
    assert as_user(client, users["district"]).post(OPEN, data).status_code == 404
