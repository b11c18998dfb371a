"""Sampling pages: choose a point, scan a tube, add people by ID number and their household, close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.crypto import decrypt
from fangkong.geo.idnumbers import make_resident_id
from fangkong.testing.choices import TubeStatus
from fangkong.testing.models import Tube, TubeMember
from fangkong.testing.services import AreaSpec, Binding, bulk_bind, tube_open

from .factories import make_point, make_round

HX = {"HX-Request": "true"}


def id_of(person) -> str:
    return decrypt(person.id_cipher)


def open_tube(user, setup, barcode="P1", mode="pooled_10", point=None):
    return tube_open(actor=user, testing_round=setup.round, sampling_point=point or setup.point, barcode=barcode, pooling_mode=mode)


def add_url(setup, barcode):
    return reverse("testing:tube_add_member", args=[setup.round.pk, barcode])


def detail_url(setup, barcode):
    return reverse("testing:tube_detail", args=[setup.round.pk, barcode])


def test_home_picks_the_only_point_and_scanning_opens_a_tube(setup, users, client):
    client.force_login(users["community"])
    page = client.get(reverse("testing:sampling", args=[setup.round.pk])).content.decode()
    assert "迎宾小区采样点" in page and 'name="barcode"' in page and "autofocus" in page
    assert f'name="point" value="{setup.point.pk}"' in page

    response = client.post(
        reverse("testing:tube_open", args=[setup.round.pk]), {"point": setup.point.pk, "barcode": " HT0001 ", "pooling_mode": "pooled_10"}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(setup, "HT0001")
    tube = Tube.objects.get(barcode="HT0001")
    assert tube.sampling_point == setup.point and tube.capacity == 10 and tube.status == TubeStatus.OPEN
    page = client.get(response["Location"]).content.decode()
    assert "HT0001" in page and "0 / 10" in page and 'name="id_number"' in page and "10合1混采" in page

    # The tube is the user's open tube at the point; scanning it again carries on with it.
    home = client.get(reverse("testing:sampling", args=[setup.round.pk])).content.decode()
    assert 'id="my-open-tubes"' in home and "HT0001" in home
    again = client.post(reverse("testing:tube_open", args=[setup.round.pk]), {"point": setup.point.pk, "barcode": "HT0001"})
    assert again["Location"] == detail_url(setup, "HT0001") and Tube.objects.count() == 1


def test_a_barcode_used_elsewhere_in_the_round_is_refused_next_to_the_field(setup, users, client, city):
    other = make_point(city.home.community, name="第二采样点")
    open_tube(users["community"], setup, "USED", point=other)
    client.force_login(users["community"])
    response = client.post(reverse("testing:tube_open", args=[setup.round.pk]), {"point": setup.point.pk, "barcode": "USED"})
    page = response.content.decode()
    assert response.status_code == 200 and "本轮已使用" in page and "is-invalid" in page
    empty = client.post(reverse("testing:tube_open", args=[setup.round.pk]), {"point": setup.point.pk, "barcode": ""})
    assert "请扫描或输入试管条码" in empty.content.decode()


def test_add_by_id_number_then_pick_the_rest_of_the_household(setup, users, client):
    open_tube(users["community"], setup)
    anchor, *household = setup.ten[2:]  # the eight residents of household 102
    client.force_login(users["community"])
    response = client.post(add_url(setup, "P1"), {"id_number": id_of(anchor)})
    assert response.status_code == 302
    assert response["Location"] == detail_url(setup, "P1") + f"?household_of={anchor.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f"已加入 {anchor.name}" in page and 'id="household-pick"' in page and "1 / 10" in page
    assert anchor.id_masked in page and id_of(anchor) not in page  # masked only
    for p in household:
        assert f'value="{p.pk}" checked' in page
    for p in setup.ten[:2]:  # another household: not offered
        assert f'value="{p.pk}"' not in page

    response = client.post(add_url(setup, "P1"), {"household_of": anchor.pk, "person": [p.pk for p in household[:5]]}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="tube-workspace"' in body
    assert "6 / 10" in body and all(p.name in body for p in household[:5])
    assert 'id="household-pick"' in body and body.count('name="person"') == 2  # the two left
    members = set(TubeMember.objects.filter(tube__barcode="P1").values_list("person_id", flat=True))
    assert members == {anchor.pk, *(p.pk for p in household[:5])}


def test_htmx_add_returns_the_workspace_with_the_household_offer(setup, users, client):
    open_tube(users["grid"], setup)
    client.force_login(users["grid"])
    response = client.post(add_url(setup, "P1"), {"id_number": id_of(setup.ten[0]).lower()}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f"已加入 {setup.ten[0].name}" in body and setup.ten[1].name in body and 'id="household-pick"' in body
    assert 'name="id_number" id="id_id_number" value=""' in body  # a fresh box for the next ID


def test_household_tube_offers_the_household_and_refuses_a_stranger(city, users, setup, client):
    sealed = make_round(users["command"], number=9, areas=[AreaSpec("city", None, "sealed")])
    tube_open(actor=users["community"], testing_round=sealed, sampling_point=setup.point, barcode="H1", pooling_mode="household")
    client.force_login(users["community"])
    url = reverse("testing:tube_add_member", args=[sealed.pk, "H1"])
    client.post(url, {"id_number": id_of(setup.ten[0])})
    page = client.get(reverse("testing:tube_detail", args=[sealed.pk, "H1"]) + f"?household_of={setup.ten[0].pk}").content.decode()
    assert "1户1管" in page and setup.ten[1].name in page
    response = client.post(url, {"id_number": id_of(setup.ten[5])}, headers=HX)
    body = response.content.decode()
    assert "1户1管" in body and "不是该户成员" in body and "invalid-feedback" in body
    assert TubeMember.objects.filter(tube__barcode="H1").count() == 1


def test_someone_already_sampled_is_refused_naming_tube_point_and_time(setup, users, client):
    at = timezone.now() - dt.timedelta(hours=1)
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="pooled_10",
        bindings=[Binding("EARLIER", person_id=setup.ten[3].pk)], at=at,
    )  # fmt: skip
    open_tube(users["community"], setup, "P2")
    client.force_login(users["community"])
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    for headers in ({}, HX):  # without JavaScript the page comes back whole, with htmx the fragment
        response = client.post(add_url(setup, "P2"), {"id_number": id_of(setup.ten[3])}, headers=headers)
        body = response.content.decode()
        assert response.status_code == 200
        assert setup.ten[3].name in body and "EARLIER" in body and "迎宾小区采样点" in body and when in body and "不能重复采样" in body
        assert 'id="id-number-errors"' in body and "is-invalid" in body
    assert not TubeMember.objects.filter(tube__barcode="P2").exists()


def test_an_unknown_id_number_is_refused(setup, users, client):
    open_tube(users["community"], setup)
    client.force_login(users["community"])
    unregistered = make_resident_id("150102", dt.date(1990, 1, 1), 777)
    body = client.post(add_url(setup, "P1"), {"id_number": unregistered}).content.decode()
    assert "人员未在人口库登记" in body and 'id="on-spot-form"' in body
    body = client.post(add_url(setup, "P1"), {"id_number": ""}).content.decode()
    assert "请扫描或输入证件号码" in body


def test_a_full_tube_closes_and_sends_the_sampler_back_to_scanning(setup, users, client):
    open_tube(users["community"], setup, "S1", mode="single")
    client.force_login(users["community"])
    response = client.post(add_url(setup, "S1"), {"id_number": id_of(setup.ten[0])})
    home = reverse("testing:sampling", args=[setup.round.pk]) + f"?point={setup.point.pk}&closed=S1"
    assert response.status_code == 302 and response["Location"] == home
    tube = Tube.objects.get(barcode="S1")
    assert tube.status == TubeStatus.CLOSED and tube.member_count == 1
    page = client.get(home).content.decode()
    assert "已自动封管" in page and "请扫描下一支试管" in page and "autofocus" in page

    # With htmx the browser is sent to the scan page as well.
    open_tube(users["community"], setup, "S2", mode="single")
    response = client.post(add_url(setup, "S2"), {"id_number": id_of(setup.ten[1])}, headers=HX)
    assert response["HX-Redirect"].endswith("closed=S2")
    # A closed tube takes nobody else.
    body = client.post(add_url(setup, "S2"), {"id_number": id_of(setup.ten[2])}, headers=HX).content.decode()
    assert 'id="add-errors"' in body and "试管 S2 已封管，不能再加人" in body


def test_picking_more_household_members_than_the_tube_holds_is_refused(setup, users, client):
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="pooled_10",
        bindings=[Binding("P9", person_id=p.pk) for p in setup.ten[:2] + setup.ten[3:10]],
    )  # fmt: skip
    tube = Tube.objects.get(barcode="P9")
    assert tube.member_count == 9 and tube.status == TubeStatus.OPEN
    client.force_login(users["community"])
    extra = setup.ten[2]
    # The offer ticks only as many as fit.
    page = client.get(detail_url(setup, "P9") + f"?household_of={setup.ten[3].pk}").content.decode()
    assert f'value="{extra.pk}" checked' in page and "还可加入 1 人" in page
    # An eleventh person (another household's member, picked) is refused, naming the tube.
    from tests.factories import make_person

    newcomer = make_person(extra.household, "新来的")
    picked = {"household_of": setup.ten[3].pk, "person": [extra.pk, newcomer.pk]}
    body = client.post(add_url(setup, "P9"), picked, headers=HX).content.decode()
    assert "已满 10 人" in body and "P9" in body and 'id="person-errors"' in body
    assert TubeMember.objects.filter(tube=tube).count() == 9


def test_close_a_partly_filled_tube_by_hand(setup, users, client):
    open_tube(users["community"], setup, "P3")
    client.force_login(users["community"])
    close = reverse("testing:tube_close", args=[setup.round.pk, "P3"])
    response = client.post(close)  # empty: refused
    assert response["Location"] == detail_url(setup, "P3")
    assert "空试管不能封管" in client.get(response["Location"]).content.decode()
    client.post(add_url(setup, "P3"), {"id_number": id_of(setup.ten[0])})
    assert 'id="close-form"' in client.get(detail_url(setup, "P3")).content.decode()
    response = client.post(close)
    assert response["Location"] == reverse("testing:sampling", args=[setup.round.pk]) + f"?point={setup.point.pk}&closed=P3"
    assert Tube.objects.get(barcode="P3").status == TubeStatus.CLOSED
    assert "已封管（1 人）" in client.get(response["Location"]).content.decode()
    page = client.get(detail_url(setup, "P3")).content.decode()
    assert 'id="add-form"' not in page and "扫描下一支试管" in page
    response = client.post(close)  # twice: refused, saying why
    assert "试管 P3 已封管" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("who", ["community", "grid"])
def test_a_tube_or_point_outside_the_users_jurisdiction_answers_404(setup, users, city, client, who):
    far_point = make_point(city.elsewhere.community, name="通顺采样点")
    open_tube(users["command"], setup, "FAR", point=far_point)
    client.force_login(users[who])
    assert client.get(detail_url(setup, "FAR")).status_code == 404
    assert client.post(add_url(setup, "FAR"), {"id_number": id_of(setup.elsewhere[0])}).status_code == 404
    assert client.post(reverse("testing:tube_close", args=[setup.round.pk, "FAR"])).status_code == 404
    assert client.get(reverse("testing:sampling", args=[setup.round.pk]) + f"?point={far_point.pk}").status_code == 404
    response = client.post(reverse("testing:tube_open", args=[setup.round.pk]), {"point": far_point.pk, "barcode": "NEW"})
    assert response.status_code == 404 and not Tube.objects.filter(barcode="NEW").exists()
    assert "通顺采样点" not in client.get(reverse("testing:sampling", args=[setup.round.pk])).content.decode()
    # Inside their jurisdiction the same user works normally.
    open_tube(users[who], setup, "NEAR")
    assert client.get(detail_url(setup, "NEAR")).status_code == 200


def test_household_offer_shows_only_people_the_user_covers(setup, users, city, client):
    """A grid worker samples a visitor from the neighbouring grid: their household is not offered."""
    open_tube(users["grid"], setup)
    visitor = setup.other_grid[0]
    client.force_login(users["grid"])
    response = client.post(add_url(setup, "P1"), {"id_number": id_of(visitor)})
    page = client.get(response["Location"]).content.decode()
    assert visitor.name in page and 'id="household-pick"' not in page
    # Posting someone outside their jurisdiction by id is refused.
    body = client.post(add_url(setup, "P1"), {"household_of": visitor.pk, "person": [setup.elsewhere[0].pk]}).content.decode()
    assert "不在您的管辖范围内" in body
    assert TubeMember.objects.filter(tube__barcode="P1").count() == 1


def test_roles_without_the_sampling_capability_get_403(setup, users, client):
    for user in (setup.lab_user, users["auditor"]):
        client.force_login(user)
        assert client.get(reverse("testing:sampling", args=[setup.round.pk])).status_code == 403
        scan = {"point": setup.point.pk, "barcode": "X"}
        assert client.post(reverse("testing:tube_open", args=[setup.round.pk]), scan).status_code == 403
    client.logout()
    assert client.get(reverse("testing:sampling", args=[setup.round.pk])).status_code == 302


def test_a_user_without_points_in_the_round_sees_an_empty_state(setup, users, city, client):
    client.force_login(users["district"])
    narrow = make_round(users["command"], number=12, areas=[AreaSpec("community", city.elsewhere.community.pk)])
    page = client.get(reverse("testing:sampling", args=[narrow.pk])).content.decode()
    assert "没有可用的采样点" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_samplers_adding_to_one_tube_at_once_all_count(setup, users):
    """Six phones post into one tube at the same moment: every member is counted, none is lost."""
    import threading

    from django.db import connection
    from django.test import Client

    open_tube(users["community"], setup, "RACE")
    barrier = threading.Barrier(6)
    statuses = []

    def post(person):
        client = Client()
        client.force_login(users["community"])
        try:
            barrier.wait()
            statuses.append(client.post(add_url(setup, "RACE"), {"id_number": id_of(person)}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(p,)) for p in setup.ten[:6]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tube = Tube.objects.get(barcode="RACE")
    assert statuses == [302] * 6
    assert tube.member_count == TubeMember.objects.filter(tube=tube).count() == 6
