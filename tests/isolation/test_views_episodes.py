"""The loop to release on the pages: the 日清日结 board (overdue first), the list, registering by hand,
one person's page with the actions of their stage (transfer, check-in sharing a room with the
household, test results, release), the printable day sheet with results entered in place — and a
positive handed to 快转. Scoping: a site sees its own residents only; a community its own people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.isolation.choices import EpisodeStatus
from fangkong.isolation.models import Handover, IsolationEpisode, RoomStay, ScheduledTest
from fangkong.results.choices import Result

from .factories import BEIJING, local, record_central, room
from .pages import HTMX, as_user, central_test, checked_in, in_transit, result_data, waiting


def detail(e) -> str:
    return reverse("isolation:episode_detail", args=[e.pk])


# ---- the 日清日结 board and the list ----


def test_the_board_puts_the_overdue_first_and_is_scoped(client, setup, users):
    cmd = users["command"]
    late = waiting(cmd, setup.stranger, at=local(2022, 11, 13, 20))
    going = in_transit(cmd, setup.lone[0], setup.site)
    elsewhere = waiting(cmd, setup.elsewhere, at=local(2022, 11, 14, 9))
    response = as_user(client, cmd).get(reverse("isolation:awaiting_board"))
    rows = list(response.context["page_obj"].object_list)
    assert [e.pk for e in rows] == [late.pk, elsewhere.pk, going.pk]  # all overdue now: by deadline
    assert response.context["overdue"] == 3 and 'data-overdue="1"' in response.content.decode()
    # the site sees who is on the way to it; the community its own residents
    assert [e.pk for e in as_user(client, setup.site_user).get(reverse("isolation:awaiting_board")).context["page_obj"]] == [going.pk]
    community = {e.pk for e in as_user(client, users["community"]).get(reverse("isolation:awaiting_board")).context["page_obj"]}
    assert community == {late.pk, going.pk}
    # htmx refresh returns the board alone
    html = as_user(client, cmd).get(reverse("isolation:awaiting_board"), **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="board"')


def test_the_episode_list_filters_and_scopes(client, setup, users):
    cmd = users["command"]
    a = checked_in(cmd, setup.family[0], setup.site, "401")
    b = checked_in(cmd, setup.elsewhere, setup.other_site, "301")
    w = waiting(cmd, setup.stranger)
    c = as_user(client, cmd)
    pks = lambda r: {e.pk for e in r.context["page_obj"].object_list}  # noqa: E731
    assert pks(c.get(reverse("isolation:episode_list"))) == {a.pk, b.pk, w.pk}
    assert pks(c.get(reverse("isolation:episode_list") + "?status=checked_in")) == {a.pk, b.pk}
    assert pks(c.get(reverse("isolation:episode_list") + f"?site={setup.other_site.pk}")) == {b.pk}
    assert pks(as_user(client, setup.site_user).get(reverse("isolation:episode_list"))) == {a.pk}
    assert pks(as_user(client, users["nogrant"]).get(reverse("isolation:episode_list"))) == set()


def test_registering_a_person_by_hand(client, setup, users, city):
    c = as_user(client, users["district"])
    person = setup.lone[0]
    from fangkong.core.crypto import decrypt

    number = decrypt(person.id_cipher)
    response = c.post(reverse("isolation:episode_create"), {"id_number": number, "kind": "close_contact", "source": "电话报告"})
    episode = IsolationEpisode.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == detail(episode)
    assert episode.isolate_by is not None and episode.status == EpisodeStatus.AWAITING_TRANSFER
    # again: one open episode per person, refused with its rule
    response = c.post(reverse("isolation:episode_create"), {"id_number": number, "kind": "close_contact"})
    assert response.status_code == 422 and 'data-rule="isolation.one_open_episode"' in response.content.decode()
    # someone outside the office's district is not found
    response = c.post(reverse("isolation:episode_create"), {"id_number": decrypt(setup.elsewhere.id_cipher), "kind": "close_contact"})
    assert response.status_code == 422 and 'data-refused="id_number"' in response.content.decode()
    assert as_user(client, users["community"]).get(reverse("isolation:episode_create")).status_code == 403


# ---- one person's page ----


def test_a_site_sees_only_its_own_residents(client, setup, users):
    mine = checked_in(users["command"], setup.family[0], setup.site, "401")
    theirs = checked_in(users["command"], setup.elsewhere, setup.other_site, "301")
    c = as_user(client, setup.site_user)
    assert c.get(detail(mine)).status_code == 200
    assert c.get(detail(theirs)).status_code == 404
    test = central_test(theirs, 1)
    assert c.post(reverse("isolation:test_result", args=[test.pk]), result_data(test)).status_code == 404
    assert c.post(reverse("isolation:episode_release", args=[theirs.pk]), {"transport_mode": "site_vehicle"}).status_code == 404


def test_a_community_worker_sees_its_resident_but_may_not_act_for_the_site(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    c = as_user(client, users["community"])
    response = c.get(detail(e))
    assert response.status_code == 200 and not response.context["forms"]
    html = response.content.decode()
    assert setup.family[0].id_masked in html and "data-test-form" not in html
    assert c.post(reverse("isolation:episode_release", args=[e.pk]), {"transport_mode": "site_vehicle"}).status_code == 403
    assert c.post(reverse("isolation:episode_cancel", args=[e.pk]), {"reason": "x"}).status_code == 403
    test = central_test(e, 1)
    assert c.post(reverse("isolation:test_result", args=[test.pk]), result_data(test)).status_code == 403
    assert c.get(detail(checked_in(users["command"], setup.elsewhere, setup.other_site, "301"))).status_code == 404


def test_transfer_then_check_in_the_household_into_one_room(client, setup, users):
    cmd = users["command"]
    first, second = (waiting(cmd, p) for p in setup.family)
    c = as_user(client, cmd)
    response = c.post(reverse("isolation:episode_transit", args=[first.pk]), {"site": setup.site.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == EpisodeStatus.IN_TRANSIT and first.site == setup.site
    # the site's staff check the person in (htmx: the page body comes back with the regimen)
    s = as_user(client, setup.site_user)
    response = s.post(reverse("isolation:episode_check_in", args=[first.pk]), {"room": room(setup.site, "401").pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="episode"') and 'id="flash"' in html and "集中隔离中" in html
    assert ScheduledTest.objects.filter(episode=first).count() == 6  # 20 measures: central 1, 2, 3, 5 + home 1, 3
    assert "政策版本 优化防控二十条措施" in html and "twenty-measures</span>" not in html  # the version's name, not its code
    # the second member is offered the family's room (same household) and shares it
    response = as_user(client, cmd).get(detail(second))
    choices = dict(response.context["forms"]["check_in"].fields["room"].choices[1:])
    assert "同住单元已住 1 人" in str(choices)
    response = as_user(client, cmd).post(reverse("isolation:episode_check_in", args=[second.pk]), {"room": room(setup.site, "401").pk})
    assert response.status_code == 302
    assert RoomStay.objects.filter(room=room(setup.site, "401"), ended_at__isnull=True).count() == 2


def test_a_stranger_is_never_put_in_a_room_with_another_party(client, setup, users):
    cmd = users["command"]
    checked_in(cmd, setup.family[0], setup.site, "401")
    stranger = in_transit(cmd, setup.lone[0], setup.site)
    c = as_user(client, setup.site_user)
    offered = {label for _value, label in c.get(detail(stranger)).context["forms"]["check_in"].fields["room"].choices}
    assert not any(label.startswith("401") for label in offered)
    response = c.post(reverse("isolation:episode_check_in", args=[stranger.pk]), {"room": room(setup.site, "401").pk}, **HTMX)
    assert response.status_code == 422 and 'data-refused="room"' in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.status == EpisodeStatus.IN_TRANSIT


def test_a_refused_release_names_its_rule(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    record_central(setup.site_user, e, days=[1, 2, 3])
    c = as_user(client, setup.site_user)
    response = c.post(reverse("isolation:episode_release", args=[e.pk]), {"transport_mode": "site_vehicle"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-rule="close_contact.central_test_days"' in html and "第 5 天" in html
    # without JavaScript the whole page comes back with the refusal
    response = c.post(reverse("isolation:episode_release", args=[e.pk]), {"transport_mode": "site_vehicle"})
    assert response.status_code == 422 and "<html" in response.content.decode()
    assert not Handover.objects.exists()


def test_release_creates_the_pending_handover(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    record_central(setup.site_user, e)
    c = as_user(client, setup.site_user)
    response = c.post(reverse("isolation:episode_release", args=[e.pk]), {"transport_mode": "community_vehicle", "vehicle": "蒙A·1234"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == EpisodeStatus.RELEASED_PENDING_HANDOVER
    h = Handover.objects.get(episode=e)
    assert h.to_community_id == setup.family[0].community_id and h.vehicle == "蒙A·1234"
    html = c.get(detail(e)).content.decode()
    assert 'id="handover"' in html and "等待接收社区确认" in html


def test_cancelling_needs_a_reason(client, setup, users):
    e = waiting(users["command"], setup.stranger)
    c = as_user(client, users["district"])
    response = c.post(reverse("isolation:episode_cancel", args=[e.pk]), {"reason": ""}, **HTMX)
    assert response.status_code == 422 and 'data-refused="reason"' in response.content.decode()
    response = c.post(reverse("isolation:episode_cancel", args=[e.pk]), {"reason": "流调核实后不再判定为密接"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == EpisodeStatus.CANCELLED


# ---- test results and the day sheet ----


def test_the_day_sheet_lists_whom_to_sample_with_make_ups(client, setup, users):
    cmd = users["command"]
    family = [checked_in(cmd, p, setup.site, "401") for p in setup.family]
    lone = checked_in(cmd, setup.lone[0], setup.site, "301")
    record_central(cmd, family[0], days=[1])
    c = as_user(client, setup.site_user)
    response = c.get(reverse("isolation:day_sheet", args=[setup.site.pk]) + "?day=2022-11-15")
    assert response.status_code == 200
    rows = {(r.episode.pk, r.test.day_number): r.is_make_up for r in response.context["rows"]}
    assert rows == {(family[0].pk, 2): False, (family[1].pk, 1): True, (family[1].pk, 2): False, (lone.pk, 1): True, (lone.pk, 2): False}
    html = response.content.decode()
    assert 'id="sheet-print"' in html and "打印采样单" in html  # the printable table
    assert 'data-make-up="1"' in html


def test_a_result_is_entered_on_the_sheet_in_place(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    test = central_test(e, 1)
    c = as_user(client, setup.site_user)
    url = reverse("isolation:test_result", args=[test.pk])
    data = result_data(test, return_to="sheet", day="2022-11-14")
    # sampled before its day: refused next to the sampling time, with the policy key
    early = data | {f"t{test.pk}-sampled_at": "2022-11-13T20:00"}
    response = c.post(url, early, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-refused="sampled_at"' in html and 'data-rule="close_contact.central_test_days"' in html
    assert html.lstrip().startswith("<li")
    response = c.post(url, data, **HTMX)
    assert response.status_code == 200 and 'data-result="negative"' in response.content.decode()
    test.refresh_from_db()
    assert test.result == Result.NEGATIVE
    # final: recording again is refused
    response = c.post(url, data | {f"t{test.pk}-result": "positive"})
    assert response.status_code == 422 and "不能重复登记" in response.content.decode()


def test_a_positive_ends_the_episode_and_hands_over_to_the_cases(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    record_central(setup.site_user, e, days=[1, 2])
    test = central_test(e, 3)
    c = as_user(client, setup.site_user)
    response = c.post(
        reverse("isolation:test_result", args=[test.pk]),
        result_data(test, Result.POSITIVE, return_to="sheet", day="2022-11-16") | {f"t{test.pk}-ct_value": "27.5"},
        **HTMX,
    )
    assert response.status_code == 200 and "已转快转" in response.content.decode()
    e.refresh_from_db()
    assert e.status == EpisodeStatus.TURNED_POSITIVE and e.case_id is not None
    assert not RoomStay.objects.filter(episode=e, ended_at__isnull=True).exists()
    html = as_user(client, users["command"]).get(detail(e)).content.decode()
    assert 'id="ended"' in html and 'id="case-link"' in html


def test_results_on_the_person_page_without_javascript(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    test = central_test(e, 1)
    c = as_user(client, setup.site_user)
    response = c.get(detail(e))
    assert response.context["day_today"] is not None and f'data-test-form="{test.pk}"' in response.content.decode()
    response = c.post(reverse("isolation:test_result", args=[test.pk]), result_data(test))
    assert response.status_code == 302 and response["Location"] == detail(e)
    response = c.post(reverse("isolation:test_result", args=[central_test(e, 2).pk]), {f"t{central_test(e, 2).pk}-result": ""})
    assert response.status_code == 422 and 'data-refused="result"' in response.content.decode()


@pytest.mark.parametrize("day", ["2022-11-14", "not-a-date"])
def test_the_day_sheet_of_another_site_is_404(client, setup, users, day):
    url = reverse("isolation:day_sheet", args=[setup.site.pk]) + f"?day={day}"
    assert as_user(client, setup.other_site_user).get(url).status_code == 404


def test_tomorrows_tests_cannot_be_entered_yet(client, setup, users):
    from django.utils import timezone

    e = checked_in(users["command"], setup.family[0], setup.site, "401", at=timezone.now() - dt.timedelta(minutes=5))
    response = as_user(client, setup.site_user).get(detail(e))
    forms = {t.day_number: t.form for t in response.context["central_tests"]}
    assert forms[1] is not None and all(forms[d] is None for d in (3, 5))


def test_a_sample_taken_before_check_in_is_refused_naming_the_sampling_time(client, setup, users):
    """Issue 13: day 1 is the day of check-in, and a sampling time that morning, before the person
    arrived, was accepted. Refused on the day sheet and on the person's page, next to the sampling time."""
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    test = central_test(e, 1)
    c = as_user(client, setup.site_user)
    url = reverse("isolation:test_result", args=[test.pk])
    before = (e.checked_in_at - dt.timedelta(hours=2)).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    for return_to in ("sheet", "episode"):
        data = result_data(test, return_to=return_to, day="2022-11-14") | {f"t{test.pk}-sampled_at": before}
        response = c.post(url, data, **HTMX)
        assert response.status_code == 422, return_to
        html = response.content.decode()
        assert 'data-refused="sampled_at"' in html and "入住时间" in html
    test.refresh_from_db()
    assert test.result != Result.NEGATIVE
    response = c.post(url, result_data(test, return_to="sheet", day="2022-11-14"), **HTMX)  # after check-in: taken
    assert response.status_code == 200
