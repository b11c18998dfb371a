"""Issue 13's new pages attacked by a malicious insider: account management (a district's
administrator escalating), exports and printed lists (beyond the grant, beyond need-to-know, the
audit and the file name), on-the-spot registration at a sampling point (out-of-scope grids, a number
already registered as an oracle), the person record (一人一档) and the landing panels.

Each test performs the attack against the real views or services; the ones that found a hole say so
and fail without the fix."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.accounts import services as account_services
from fangkong.accounts.models import ApiToken, Grant, GrantLevel, User
from fangkong.accounts.reach import GrantSpec
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.geo.person_record import person_record
from fangkong.testing.choices import RoundStatus
from fangkong.testing.models import Tube, TubeMember
from fangkong.testing.services import AreaSpec, person_register_on_spot, tube_add_members, tube_open

from ..factories import make_user, next_id_number
from ..testing.factories import make_point, make_round

PASSWORD = "pass-word-1"


@pytest.fixture
def district_admin(city, users):
    return make_user("xc_admin", Role.SYSTEM_ADMIN, [("district", city.home.district)])


def account_events() -> int:
    return AuditEvent.objects.filter(event_type__startswith="account.").count()


# ---- 账号管理: a district's administrator escalating ----


def test_every_account_action_on_a_guessed_pk_outside_reach_is_405_by_get_and_404_by_post(client, city, users, district_admin):
    """Guessed pks: another district's account (inactive, so reactivating would restore it), the
    city's administrator, another district's administrator, a superuser, the manager themselves."""
    elsewhere = make_user("hm_worker", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    elsewhere.is_active = False
    elsewhere.save(update_fields=["is_active"])
    other_admin = make_user("hm_admin", Role.SYSTEM_ADMIN, [("district", city.elsewhere.district)])
    root = User.objects.create_superuser("root", password=PASSWORD, role=Role.GRID_WORKER)
    Grant.objects.create(user=root, level=GrantLevel.GRID, place_id=city.home.grid.pk)  # a superuser inside the district
    client.force_login(district_admin)
    actions = ("account_deactivate", "account_reactivate", "account_password_reset", "account_second_factor_reset")
    for target in (elsewhere, users["admin"], other_admin, root, district_admin):
        assert client.get(reverse("accounts:account_detail", args=[target.pk])).status_code == 404
        for name in actions:
            url = reverse(f"accounts:{name}", args=[target.pk])
            assert client.get(url).status_code == 405  # a GET changes nothing and tells nothing
            assert client.post(url).status_code == 404  # the same as a pk that does not exist
    missing = User.objects.order_by("-pk").first().pk + 100
    assert client.post(reverse("accounts:account_reactivate", args=[missing])).status_code == 404
    elsewhere.refresh_from_db()
    root.refresh_from_db()
    assert not elsewhere.is_active and elsewhere.check_password(PASSWORD) and root.check_password(PASSWORD)
    assert account_events() == 0


def test_a_district_admin_cannot_make_a_city_account_nor_hand_out_a_superuser_or_their_own_reach(city, users, district_admin):
    """The services re-check what the form offers: the city grant, a place of another district, and
    the manager's own account (editing themselves to the city) are all refused."""
    for grants in ([GrantSpec("city")], [GrantSpec(GrantLevel.DISTRICT, city.elsewhere.district.pk)], []):
        with pytest.raises(DomainError):
            account_services.account_create(actor=district_admin, username="x1", full_name="x", role=Role.SYSTEM_ADMIN, grants=grants)
    with pytest.raises(PermissionRefused):
        account_services.account_update(
            actor=district_admin, account=district_admin, full_name="x", role=Role.SYSTEM_ADMIN, grants=[GrantSpec("city")]
        )
    assert not User.objects.filter(username="x1").exists() and account_events() == 0
    assert set(Grant.objects.filter(user=district_admin).values_list("level", flat=True)) == {GrantLevel.DISTRICT}


def test_a_temporary_password_opens_neither_the_pages_nor_the_api_by_session(client, city, users):
    account, password = account_services.account_create(
        actor=users["admin"],
        username="newgrid",
        full_name="新网格员",
        role=Role.GRID_WORKER,
        grants=[GrantSpec(GrantLevel.GRID, city.home.grid.pk)],
    )
    response = client.post(reverse("accounts:login"), {"username": "newgrid", "password": password})
    assert response.status_code == 302
    change = reverse("accounts:password_change")
    for url in ("/", reverse("accounts:api_token_create"), reverse("accounts:profile"), "/api/testing/rounds/", "/api/people/"):
        got = client.get(url)
        assert got.status_code == 302 and got["Location"] == change, url
    # and no token by password
    api = APIClient()
    assert api.post("/api/token/", {"username": "newgrid", "password": password}, format="json").status_code in (400, 401, 403)
    assert not ApiToken.objects.filter(user=account).exists()


# ---- exports and printed lists ----


def _export_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.EXPORT).order_by("id"))


def test_a_grid_worker_cannot_export_or_print_beyond_their_grid_by_editing_the_query(client, setup, users, city):
    c = client
    c.force_login(users["grid"])
    knock = reverse("testing:door_knocking", args=[setup.round.pk, city.neighbour.grid.pk])
    tasks = reverse("testing:resampling_tasks", args=[setup.round.pk])
    for url, query in (
        (knock, {"format": "xlsx"}),
        (knock, {"print": "1"}),
        (tasks, {"grid": city.neighbour.grid.pk, "format": "xlsx"}),
        (tasks, {"grid": city.neighbour.grid.pk, "print": "1"}),
        (tasks, {"grid": city.elsewhere.grid.pk, "format": "xlsx"}),
    ):
        assert c.get(url, query).status_code == 404, (url, query)
    # lists of other modules the grid worker's role may not read: refused, not exported
    for name in ("cases:case_list", "isolation:contacts_awaiting", "audit:event_list"):
        assert c.get(reverse(name), {"format": "xlsx"}).status_code == 403, name
    assert _export_events() == []


def test_an_export_names_no_person_in_its_file_name_url_or_audit_record(client, city, users):
    """A search by name on the case list travels by POST and a token (?s=), never in the URL; the
    export's audit record keeps that a name was given, not the name; the file name is the list's."""
    client.force_login(users["district"])
    response = client.post(reverse("cases:case_list"), {"q": "王秀英"})
    assert response.status_code in (200, 302, 303)
    location = response.get("Location", "") or response.wsgi_request.get_full_path()
    assert "王秀英" not in location
    token = location.split("s=")[-1] if "s=" in location else ""
    exported = client.get(reverse("cases:case_list"), {"s": token, "format": "xlsx"} if token else {"format": "xlsx"})
    assert exported.status_code == 200
    disposition = exported["Content-Disposition"]
    assert disposition.isascii() and "cases-" in disposition
    event = _export_events()[-1]
    assert "王秀英" not in str(event.after) and "王秀英" not in event.object_repr
    # a name put into the URL by hand is not a filter (names never travel in URLs)
    before = len(_export_events())
    client.get(reverse("cases:case_list"), {"q": "王秀英", "format": "xlsx"})
    after = _export_events()
    assert len(after) == before + 1 and "王秀英" not in str(after[-1].after)


# ---- 现场登记: registering someone on the spot ----


def _spot(**kw) -> dict:
    data = {"name": "现场乙", "id_type": "resident_id", "phone": "13800009998", "address": "迎宾小区 9 号楼 901"}
    data.update(kw)
    return {f"spot-{k}": v for k, v in data.items()}


@pytest.fixture
def grid_tube(setup, users):
    return tube_open(actor=users["grid"], testing_round=setup.round, sampling_point=setup.point, barcode="S1", pooling_mode="pooled_10")


def test_on_the_spot_registration_into_a_grid_outside_the_round_or_the_grants_is_refused_naming_nothing(client, users, city):
    narrow = make_round(users["command"], number=41, areas=[AreaSpec("grid", city.home.grid.pk)])
    point = make_point(city.home.community, name="网格采样点")
    tube_open(actor=users["community"], testing_round=narrow, sampling_point=point, barcode="N1", pooling_mode="single")
    client.force_login(users["community"])
    url = reverse("testing:tube_register_person", args=[narrow.pk, "N1"])
    for grid in (city.neighbour.grid, city.elsewhere.grid):  # outside the round; outside the round and the grants
        body = client.post(url, _spot(id_number=next_id_number(), grid=grid.pk)).content.decode()
        assert city.elsewhere.grid.community.name not in body and "通顺" not in body
    with pytest.raises(DomainError):  # the service re-checks what the form offers
        person_register_on_spot(
            actor=users["community"],
            tube=Tube.objects.get(barcode="N1"),
            name="x",
            id_number=next_id_number(),
            grid=city.elsewhere.grid,
            address="x",
        )
    assert not Person.objects.filter(name="现场乙").exists()


def test_registering_on_the_spot_a_number_already_registered_elsewhere_is_no_unlimited_oracle(
    client, setup, users, city, settings, grid_tube
):
    """The attack: a grid worker posts candidate ID numbers of someone in another district to the
    on-the-spot form (not through the member form, which counts them), reading from the refusal
    "already registered" which one is theirs. Found: the refusal came uncounted and unaudited. Now
    the number is counted and audited as a search by full number, and past the limit refused before
    any look-up; the refusal names nobody."""
    settings.FANGKONG_NUMBER_SEARCH_LIMITS = ((3, 600),)
    far = Person.objects.get(name="马丽")
    number = decrypt(far.id_cipher)
    client.force_login(users["grid"])
    url = reverse("testing:tube_register_person", args=[setup.round.pk, "S1"])
    body = client.post(url, _spot(id_number=number, grid=city.home.grid.pk)).content.decode()
    assert "马丽" not in body and far.id_masked not in body and city.elsewhere.community.name not in body
    searched = AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED, after__where="testing.on_spot")
    assert searched.count() == 1 and number not in str(searched.get().after)
    for _ in range(2):
        client.post(url, _spot(id_number=number, grid=city.home.grid.pk))
    # the limit is reached: a registered and an unregistered number are answered alike, and nothing is written
    answers = [client.post(url, _spot(id_number=n, grid=city.home.grid.pk)).content.decode() for n in (number, next_id_number())]
    assert all("过于频繁" in a for a in answers) and all("已登记" not in a for a in answers)
    assert not Person.objects.filter(name="现场乙").exists() and not TubeMember.objects.filter(tube=grid_tube).exists()


# ---- 一人一档 and the landing panels ----


def test_the_person_record_is_not_reached_beyond_the_grant_and_withholds_sections_beyond_need_to_know(client, setup, users, city):
    neighbour = Person.objects.get(name="赵敏")
    far = Person.objects.get(name="马丽")
    client.force_login(users["grid"])
    assert client.get(reverse("geo:person", args=[neighbour.pk])).status_code == 404
    assert client.get(reverse("geo:person", args=[far.pk])).status_code == 404
    client.force_login(setup.lab_user)  # a laboratory reads tubes, not people: refused before the look-up
    assert client.get(reverse("geo:person", args=[city.home.household.members.first().pk])).status_code == 403
    own = Person.objects.get(name="王秀英")
    record = person_record(users["grid"], own)
    withheld = {str(title) for title, _refusal in record.withheld}
    assert {"病例与转运", "密接关系"} <= withheld and "隔离" not in withheld  # isolation is theirs (isolation.view)
    assert record.state.withheld  # the case state is not the grid worker's to know


def test_a_grid_workers_landing_panels_count_and_link_only_their_grid(client, setup, users, city):
    setup.round.status = RoundStatus.ACTIVE
    setup.round.save(update_fields=["status"])
    client.force_login(users["grid"])
    html = client.get(reverse("reports:home")).content.decode()
    assert "王秀英" in html or "敲门行动" in html
    assert "赵敏" not in html and "马丽" not in html
    assert f"/{city.neighbour.grid.pk}/" not in html.split("敲门行动", 1)[-1] or city.neighbour.grid.pk == city.home.grid.pk
    other = reverse("testing:door_knocking", args=[setup.round.pk, city.neighbour.grid.pk])
    assert other not in html


def test_a_refused_batch_keeps_the_audit_of_the_numbers_it_counted(city, users, setup):
    """The numbers a refused batch of bindings counts as searches are audited (geo.number_searched),
    even though the batch itself writes nothing."""
    rows = [{"barcode": "R1", "id_number": next_id_number(), "sampling_point": setup.point.pk, "pooling_mode": "single"}]
    api = APIClient()
    api.force_authenticate(users["grid"])
    response = api.post(f"/api/testing/rounds/{setup.round.pk}/bindings/", rows, format="json")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED, after__where="testing.bindings").count() == 1


# ---- the census's people: a grant says where, geo.view_people says what (issue 11) ----


def test_a_supervisor_granted_the_district_sees_a_tube_but_not_who_is_in_it(setup, users, city, grid_tube):
    """The attack: a supervisor (a grant on the district, no census capability) reads the names in the
    round's tubes, the door-knocking list and the re-sampling tasks through the API. Before, the
    tubes and the lists were read by grant alone."""
    member = Person.objects.get(name="王秀英")
    tube_add_members(actor=users["grid"], tube=grid_tube, persons=[member])
    supervisor = make_user("supervisor-home", Role.SUPERVISOR, [("district", city.home.district)])
    spy, grid = APIClient(), APIClient()
    spy.force_authenticate(supervisor)
    grid.force_authenticate(users["grid"])
    tube_url = f"/api/testing/rounds/{setup.round.pk}/tubes/S1/"
    seen = spy.get(tube_url)
    assert seen.status_code == 200 and seen.json()["members"] == [] and "王秀英" not in seen.content.decode()
    listed = spy.get(f"/api/testing/rounds/{setup.round.pk}/tubes/")
    assert listed.status_code == 200 and "王秀英" not in listed.content.decode()
    assert "王秀英" in grid.get(tube_url).content.decode()  # the sampler's own grid: as before
    knock = f"/api/testing/rounds/{setup.round.pk}/grids/{city.home.grid.pk}/door-knocking/"
    assert spy.get(knock).status_code == 403 and spy.get("/api/testing/resampling-tasks/").status_code == 403
    assert grid.get(knock).status_code == 200
