"""The worker's run: each rule's events reach the users its roles and grants say, once; a muted rule
reaches nobody; the words are in the reader's language and name no person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from fangkong.cases.alerts import POSITIVE_IN_COMMUNITY, TRANSFER_OVERDUE
from fangkong.notifications.models import Mute, Notification, Watermark
from fangkong.notifications.selectors import shown, unread_count
from fangkong.notifications.services import deliver
from fangkong.testing.alerts import TUBE_OVERDUE
from fangkong.testing.models import Tube
from fangkong.zoning.alerts import AREA_DUE, AREA_OVERDUE
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea

from ..cases.factories import open_case
from ..factories import make_person, make_user

pytestmark = pytest.mark.django_db


def _of(rule: str) -> dict[str, set[str]]:
    """event key → usernames notified of it."""
    out: dict[str, set[str]] = {}
    for key, username in Notification.objects.filter(rule=rule).values_list("event_key", "recipient__username"):
        out.setdefault(key, set()).add(username)
    return out


def test_a_positive_reaches_the_community_and_grid_workers_of_its_place_only(positives, users, other_community_worker):
    now = timezone.now()
    deliver(now=now)
    got = _of(POSITIVE_IN_COMMUNITY)
    home, elsewhere = positives
    assert got[f"positive:{home.pk}"] == {"community", "grid"}  # not the district, street, command or the no-grant worker
    assert got[f"positive:{elsewhere.pk}"] == {"other-community"}
    # The grid worker holds no cases.view: no link to the case pages; the community worker has one.
    links = dict(Notification.objects.filter(event_key=f"positive:{home.pk}").values_list("recipient__username", "url"))
    assert links["community"] == "/cases/cases/" and links["grid"] == ""


def test_the_same_event_is_never_notified_twice(positives, users):
    now = timezone.now()
    first = deliver(now=now)
    assert first.notified == 2  # the community and the grid worker
    again = deliver(now=now + dt.timedelta(minutes=1))  # the overlap sees the same positives again
    assert again.notified == 0
    forced = deliver(now=now + dt.timedelta(minutes=2), since=now - dt.timedelta(days=1))  # a backfill too
    assert forced.notified == 0
    assert Notification.objects.filter(rule=POSITIVE_IN_COMMUNITY).count() == 2
    assert Watermark.objects.get(rule=POSITIVE_IN_COMMUNITY).until == now + dt.timedelta(minutes=2)


def test_a_run_looks_from_its_watermark_less_the_overlap(city, users, positives):
    now = timezone.now()
    Watermark.objects.create(rule=POSITIVE_IN_COMMUNITY, until=now + dt.timedelta(minutes=10))
    deliver(now=now + dt.timedelta(minutes=20))  # looks at (now + 5 min, now + 20 min]: the positives are older
    assert unread_count(users["community"]) == 0
    Watermark.objects.filter(rule=POSITIVE_IN_COMMUNITY).update(until=now + dt.timedelta(minutes=4))
    deliver(now=now + dt.timedelta(minutes=30))  # (now − 1 min, …]: a row committed a little late is still seen
    assert unread_count(users["community"]) == 1


def test_a_muted_rule_reaches_nobody_who_muted_it(positives, users):
    Mute.objects.create(user=users["community"], rule=POSITIVE_IN_COMMUNITY)
    deliver(now=timezone.now())
    assert set(_of(POSITIVE_IN_COMMUNITY)[f"positive:{positives[0].pk}"]) == {"grid"}


def test_words_in_the_readers_language_and_no_person_in_them(positives, users):
    deliver(now=timezone.now())
    notification = Notification.objects.get(recipient=users["community"])
    assert "阳性甲" not in str(notification.params)
    with translation.override("zh-hans"):
        zh = shown([notification])[0]
    with translation.override("en"):
        en = shown([notification])[0]
    assert zh.title == "本社区发现阳性" and "迎宾南路社区" in zh.text and "社会面" in zh.text
    assert en.title == "Positive found in your community" and "迎宾南路社区" in en.text and "community" in en.text.lower()
    assert "阳性甲" not in zh.text + en.text


def test_a_transfer_overdue_reaches_the_district_office_of_its_district_and_the_command(city, users):
    person = make_person(city.home.household, "待转运")
    case = open_case(users["command"], person, confirmed_at=timezone.now() - dt.timedelta(hours=30))
    transfer = case.transfers.get()
    other = make_user("other-district", "district_office", [("district", city.elsewhere.district)])
    deliver(now=transfer.deadline_at + dt.timedelta(minutes=1), since=transfer.deadline_at - dt.timedelta(minutes=1))
    got = _of(TRANSFER_OVERDUE)
    assert got == {f"transfer:{transfer.pk}": {"district", "command"}}
    assert other.username not in got[f"transfer:{transfer.pk}"]
    n = Notification.objects.get(rule=TRANSFER_OVERDUE, recipient=users["district"])
    assert n.url == f"/cases/cases/{case.pk}/"
    # The case itself (opened by hand) is a positive in the community: its workers were told too.
    assert _of(POSITIVE_IN_COMMUNITY).get(f"case:{case.pk}", set()) <= {"community", "grid"}


def test_a_transfer_admitted_in_time_is_not_overdue(city, users):
    person = make_person(city.home.household, "已收治")
    case = open_case(users["command"], person, confirmed_at=timezone.now() - dt.timedelta(hours=30))
    transfer = case.transfers.get()
    type(transfer).objects.filter(pk=transfer.pk).update(status="admitted")
    deliver(now=transfer.deadline_at + dt.timedelta(minutes=1), since=transfer.deadline_at - dt.timedelta(minutes=1))
    assert not _of(TRANSFER_OVERDUE)


def test_tubes_overdue_at_a_lab_are_one_alert_per_round_and_hour_for_the_labs_users(positives, lab, users):
    lab_obj, lab_user = lab
    now = timezone.now()
    due = now - dt.timedelta(minutes=10)
    Tube.objects.update(laboratory=lab_obj, deadline_at=due, resulted_at=None)
    other_lab_user = make_user("lab2", "laboratory", [])
    deliver(now=now)
    got = _of(TUBE_OVERDUE)
    assert len(got) == 1 and set(next(iter(got.values()))) == {"lab"}
    assert other_lab_user.username not in next(iter(got.values()))
    n = Notification.objects.get(rule=TUBE_OVERDUE)
    assert n.params["tubes"] == 2 and n.params["lab"] == lab_obj.name


def _area(city, **fields) -> RiskArea:
    return RiskArea.objects.create(
        name=fields.pop("name", "迎宾小区1号楼"),
        area_class=AreaClass.SEALED,
        status=AreaStatus.IN_FORCE,
        district_id=city.home.district.pk,
        street_id=city.home.street.pk,
        community_id=city.home.community.pk,
        in_force_at=timezone.now() - dt.timedelta(days=10),
        **fields,
    )


def test_a_risk_area_due_to_lift_and_then_overdue_reaches_the_command(city, users):
    proposed = timezone.now() - dt.timedelta(days=3)
    area = _area(city, lift_proposed_at=proposed)
    deliver(now=timezone.now(), since=proposed - dt.timedelta(minutes=1))
    messages = dict(Notification.objects.filter(recipient=users["command"]).values_list("message", "event_key"))
    assert set(messages) == {AREA_DUE, AREA_OVERDUE}  # 20 measures: overdue after one day
    assert all(str(area.pk) in key for key in messages.values())
    assert not Notification.objects.exclude(recipient=users["command"]).exists()


def test_a_lifted_area_is_not_notified(city, users):
    proposed = timezone.now() - dt.timedelta(hours=2)
    _area(city, lift_proposed_at=proposed, name="已解除小区").__class__.objects.update(status=AreaStatus.LIFTED)
    deliver(now=timezone.now(), since=proposed - dt.timedelta(minutes=1))
    assert not Notification.objects.exists()


def test_a_failing_rule_keeps_its_watermark_and_the_others_run(positives, users, monkeypatch):
    from fangkong.notifications.rules import Rule, rules

    def broken(**_):
        raise RuntimeError("boom")

    monkeypatch.setattr("tests.notifications.test_delivery.broken_finder", broken, raising=False)
    rules.register(
        Rule(
            "test.broken", "broken", frozenset({"community_worker"}), ("community",), "tests.notifications.test_delivery.broken_finder", ()
        )
    )
    now = timezone.now()
    try:
        stats = deliver(now=now)
    finally:
        rules.unregister("test.broken")
    assert Watermark.objects.get(rule="test.broken").until < now  # not moved: the next run looks again
    assert stats.notified == 2


def test_service_accounts_nobody_signs_in_as_are_not_notified(city, users):
    from fangkong.accounts.services.service_accounts import service_account

    service_account("synthetic-cases", "command_centre", "生成器", level="city", reason="test")
    person = make_person(city.home.household, "待转运")
    case = open_case(users["command"], person, confirmed_at=timezone.now() - dt.timedelta(hours=30))
    transfer = case.transfers.get()
    deliver(now=transfer.deadline_at + dt.timedelta(minutes=1), since=transfer.deadline_at - dt.timedelta(minutes=1))
    assert "synthetic-cases" not in _of(TRANSFER_OVERDUE)[f"transfer:{transfer.pk}"]
