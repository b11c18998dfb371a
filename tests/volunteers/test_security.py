"""Attacks on the volunteers pages: script in a name, a forged or revoked personal link, another
volunteer's shift, the need-to-know of the public pages, and personal data kept out of URLs."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from fangkong.volunteers.models import Volunteer
from fangkong.volunteers.services import personal_link_issue, shift_sign_up
from fangkong.volunteers.tokens import LINK_SALT, personal_link_token, point_code

from ..factories import next_id_number
from .conftest import at_hour

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_a_script_in_a_name_is_shown_as_text_to_the_coordinator(client, world):
    client.post(
        reverse("volunteers:apply"),
        {
            "name": XSS[:60],
            "id_number": next_id_number(),
            "phone": "13912345678",
            "community": str(world.city.home.community.pk),
            "availability": "any",
        },
    )
    v = Volunteer.objects.get()
    client.force_login(world.coordinator)
    for url in (reverse("volunteers:volunteer_list"), reverse("volunteers:volunteer_detail", args=[v.pk]), "/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body


def _open(client, volunteer) -> None:
    response = client.get(reverse("volunteers:personal_link", args=[personal_link_token(volunteer)]))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:me")


def test_the_personal_link_opens_the_volunteers_own_page_and_a_new_one_revokes_it(client, world):
    v = world.approved("本人")
    other = world.approved("他人")
    _open(client, v)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "本人" in page and "他人" not in page and v.id_masked not in page
    personal_link_issue(actor=world.coordinator, volunteer=v)  # lost phone: a new link
    assert client.get(reverse("volunteers:me")).status_code == 403
    assert client.get(reverse("volunteers:personal_link", args=[personal_link_token(other) + "x"])).status_code == 404
    other.refresh_from_db()
    forged = signing.dumps([v.pk, other.link_nonce], salt=LINK_SALT, key="not-the-secret")  # someone else's id, no secret
    assert client.get(reverse("volunteers:personal_link", args=[forged])).status_code == 404
    crossed = signing.dumps([v.pk, other.link_nonce], salt=LINK_SALT)  # even signed: the nonce must be the volunteer's own
    assert client.get(reverse("volunteers:personal_link", args=[crossed])).status_code == 404


def test_without_a_link_the_scan_page_checks_nobody_in(client, world):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    response = client.post(reverse("volunteers:scan", args=[point_code(world.point)]), {"action": "in"})
    assert response.status_code == 403
    assert v.assignments.get().checked_in_at is None


def test_a_volunteer_cannot_sign_up_for_a_need_outside_their_offer(client, world, clock):
    v = world.approved()
    desk_only = world.approved("文员", field_work=False)
    need = world.need(at_hour(8), at_hour(12))  # field work
    _open(client, desk_only)
    assert client.post(reverse("volunteers:me_sign_up"), {"need": need.pk}).status_code == 404
    assert not need.assignments.exists()
    client.get(reverse("volunteers:leave"))
    _open(client, v)
    assert client.post(reverse("volunteers:me_sign_up"), {"need": need.pk}).status_code == 302
    assert need.assignments.get().volunteer == v


def test_no_personal_data_in_any_url_the_pages_link_to(client, world):
    v = world.approved()
    number_tail = v.id_masked[-4:]
    client.force_login(world.coordinator)
    body = client.get(reverse("volunteers:volunteer_list")).content.decode()
    hrefs = [part.split('"')[0] for part in body.split('href="')[1:]]
    assert all("1391234" not in h and number_tail not in h for h in hrefs)


def test_the_public_pages_name_no_one(client, world):
    world.approved("张三丰")
    for url in (reverse("volunteers:apply"), reverse("volunteers:applied"), reverse("volunteers:me")):
        assert "张三丰" not in client.get(url).content.decode()
