"""The volunteer's printable service certificate (志愿服务证明): the attended shifts and hours of the
volunteer whose personal link opened the session, nobody else's, and no contact details."""

from __future__ import annotations

from django.urls import reverse

from fangkong.volunteers.services import check_in, check_out, point_add, shift_sign_up
from fangkong.volunteers.tokens import personal_link_token, point_code

from .conftest import at_hour


def _serve(world, clock, volunteer, need, check_in_at, check_out_at) -> None:
    shift_sign_up(volunteer=volunteer, need=need)
    point = need.point
    clock(check_in_at)
    check_in(volunteer=volunteer, code=point_code(point))
    clock(check_out_at)
    check_out(volunteer=volunteer, code=point_code(point))


def test_the_certificate_counts_the_volunteers_own_attended_shifts_and_hours(client, world, clock):
    v = world.approved("本人")
    other = world.approved("他人")
    gate = point_add(actor=world.coordinator, name="迎宾小区东门", kind="gate", community=world.city.home.community)
    _serve(world, clock, v, world.need(at_hour(8), at_hour(12)), at_hour(7, 50), at_hour(12, 5))  # 255 minutes
    _serve(world, clock, other, world.need(at_hour(13), at_hour(17)), at_hour(13), at_hour(17))  # 240, someone else's
    _serve(world, clock, v, world.need(at_hour(8, days=1), at_hour(11, days=1), point=gate), at_hour(8, days=1), at_hour(11, 30, days=1))
    shift_sign_up(volunteer=v, need=world.need(at_hour(8, days=3), at_hour(12, days=3)))  # signed up, not served yet

    assert client.get(reverse("volunteers:certificate")).status_code == 403  # no personal link, no certificate
    client.get(reverse("volunteers:personal_link", args=[personal_link_token(v)]))
    page = client.get(reverse("volunteers:certificate")).content.decode()

    assert "兹证明 本人" in page and "累计出勤 2 次，服务时长 7.8 小时" in page  # 255 + 210 minutes
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 2  # the two served shifts; the one not yet served has no minutes
    assert "2022-11-10" in rows and "2022-11-11" in rows and ">255<" in rows and ">210<" in rows
    assert "迎宾小区东门" in rows and "迎宾小区核酸采样点" in rows
    assert "他人" not in page and ">240<" not in page
    assert "13912345678" not in page and v.id_masked not in page  # contact details stay off the sheet
