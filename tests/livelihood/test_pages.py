"""The 民生保障 pages: a street sees figures and no names; a community worker keeps the ledger; out
of grant answers 404; names need livelihood.details; writes need their capability; text a user typed
is escaped; the deliverer's phone page lists their requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core.roles import Role
from fangkong.livelihood.choices import RequestKind
from fangkong.livelihood.models import LedgerEntry, SupportRequest, VoucherProgramme
from fangkong.livelihood.services.requests import request_add
from fangkong.livelihood.services.vouchers import programme_add

from ..factories import make_user

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_street_sees_figures_not_names(client, users, entry, paired):
    page = login(client, users["street"]).get(reverse("livelihood:community", args=[entry.community_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "覆盖重点人员 1 人" in text and "刘桂兰" not in text and "data-withheld" in text
    home = client.get(reverse("livelihood:home"))
    assert home.status_code == 200 and "刘桂兰" not in home.content.decode()


def test_community_worker_sees_the_ledger(client, worker, entry):
    page = login(client, worker).get(reverse("livelihood:community", args=[entry.community_id]))
    assert "刘桂兰" in page.content.decode()
    assert client.get(reverse("livelihood:entry_detail", args=[entry.pk])).status_code == 200


def test_out_of_grant_is_404(client, users, city, entry):
    there = login(client, users["nogrant"])
    assert there.get(reverse("livelihood:community", args=[entry.community_id])).status_code == 404
    assert there.get(reverse("livelihood:entry_detail", args=[entry.pk])).status_code == 404
    # A community worker of the other district: the home community's pages do not exist for them.
    from fangkong.core.roles import Role

    from ..factories import make_user

    other = make_user("other", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    client.force_login(other)
    assert client.get(reverse("livelihood:entry_detail", args=[entry.pk])).status_code == 404
    assert client.get(reverse("livelihood:community", args=[entry.community_id])).status_code == 404
    assert (
        client.post(reverse("livelihood:request_create", args=[entry.pk]), {"kind": "goods", "items": "米", "channel": "phone"}).status_code
        == 404
    )
    assert not SupportRequest.objects.exists()


def test_names_need_the_details_capability(client, users, entry):
    login(client, users["street"])
    assert client.get(reverse("livelihood:entry_detail", args=[entry.pk])).status_code == 403
    assert client.get(reverse("livelihood:deliveries")).status_code == 403


def test_writes_need_their_capability(client, users, entry, city):
    login(client, users["grid"])  # sees names, may not keep the ledger
    response = client.post(reverse("livelihood:request_create", args=[entry.pk]), {"kind": "goods", "items": "米", "channel": "phone"})
    assert response.status_code == 403
    assert client.post(reverse("livelihood:ledger_from_registry", args=[city.home.community.pk])).status_code == 403
    assert not SupportRequest.objects.exists()


def test_bad_input_names_the_field_and_typed_text_is_escaped(client, worker, entry):
    login(client, worker)
    response = client.post(reverse("livelihood:request_create", args=[entry.pk]), {"kind": "goods", "items": " ", "channel": "phone"})
    assert response.status_code == 422 and 'data-field="items"' in response.content.decode()
    evil = "<script>alert(1)</script>"
    response = client.post(reverse("livelihood:request_create", args=[entry.pk]), {"kind": "goods", "items": evil, "channel": "phone"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert evil not in page and "&lt;script&gt;" in page


def test_deliverer_page_lists_their_requests(client, worker, deliverer, entry, paired):
    request_add(actor=worker, entry=entry, kind=RequestKind.MEDICINE, items="降压药")
    page = login(client, deliverer).get(reverse("livelihood:deliveries"))
    text = page.content.decode()
    assert page.status_code == 200 and "降压药" in text and "刘桂兰" in text


def test_voucher_pages(client, users, city):
    login(client, users["district"])
    form = client.get(reverse("livelihood:programmes")).content.decode()
    assert f'value="district:{city.home.district.pk}"' in form and 'value="city"' not in form
    response = client.post(
        reverse("livelihood:programmes"),
        {"name": "一次性消费券", "scope": f"district:{city.home.district.pk}", "age_reference_date": "2022-11-27"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已发放 0 人，合计 0.00 万元" in page and city.home.district.name in page
    assert LedgerEntry.objects.count() == 0


def test_a_community_worker_cannot_set_up_a_city_wide_programme(client, users, city):
    """The attack on the page: a community worker posts the whole city, their district, another
    community or a place that does not exist as a programme's scope — 422, the error on the scope
    field, no programme."""
    login(client, users["community"])
    for scope in ("city", f"district:{city.home.district.pk}", f"community:{city.elsewhere.community.pk}", "street:999999", "x"):
        response = client.post(reverse("livelihood:programmes"), {"name": "全市消费券", "scope": scope})
        assert response.status_code == 422, scope
        assert response.context["form"].errors.get("scope"), scope
    assert not VoucherProgramme.objects.exists()
    response = client.post(reverse("livelihood:programmes"), {"name": "本社区消费券", "scope": f"community:{city.home.community.pk}"})
    assert response.status_code == 302 and VoucherProgramme.objects.get().community_id == city.home.community.pk


def test_a_programme_is_nothing_to_a_user_without_a_grant(client, users, city):
    """The attack: a district office without a grant opens, runs or issues on a programme by its
    number (a programme is the city's: anyone with a grant sees it, a user without one nothing)."""
    programme = programme_add(actor=users["district"], name="冬季消费券（测试）", place=city.home.district)
    login(client, make_user("nogrant-vouchers", Role.DISTRICT_OFFICE, []))
    assert client.get(reverse("livelihood:programme_detail", args=[programme.pk])).status_code == 404
    for name in ("livelihood:programme_run", "livelihood:voucher_issue"):
        assert client.post(reverse(name, args=[programme.pk]), {"form": "code"}).status_code == 404
    for page in ("livelihood:programmes", "livelihood:home"):
        assert "冬季消费券（测试）" not in client.get(reverse(page)).content.decode()


def test_the_unpaired_and_the_ledger_shown_say_how_many_in_all(client, worker, city, entry, member, monkeypatch):
    """The page shows the first rows of a long ledger; its counts are the whole ledger's (the kept
    figures), and the unpaired listed are the ledger's unpaired, not those among the rows shown."""
    from fangkong.livelihood import views
    from fangkong.livelihood.services.groups import pair
    from fangkong.livelihood.services.ledger import entry_add

    from ..factories import make_person

    more = [
        entry_add(
            actor=worker, person=make_person(city.home.household, name, tags=["elderly_alone"]), categories=["elderly_alone"], needs=[]
        )
        for name in ("周大爷", "吴奶奶", "郑爷爷")
    ]
    pair(actor=worker, member=member, entries=[entry])  # the first row shown is paired
    monkeypatch.setattr(views, "LEDGER_PER_PAGE", 1)
    monkeypatch.setattr(views, "UNPAIRED_ROWS", 2)
    text = login(client, worker).get(reverse("livelihood:community", args=[entry.community_id])).content.decode()
    assert "data-unpaired-count>3</span>" in text and "显示前 2 人" in text and "共 4 人" in text and "1 / 4" in text
    assert more[0].person.name in text.split("data-unpaired>")[1].split("</ul>")[0]
    rows = text.split("data-ledger>")[1].split("</table>")[0]
    assert rows.count("<tr>") == 2 and entry.person.name in rows  # the header and the first page's one row
    last = client.get(reverse("livelihood:community", args=[entry.community_id]) + "?page=4").content.decode()
    rows = last.split("data-ledger>")[1].split("</table>")[0]
    assert rows.count("<tr>") == 2 and entry.person.name not in rows and "4 / 4" in last
    pair(actor=worker, member=member, entries=more)
    text = client.get(reverse("livelihood:community", args=[entry.community_id])).content.decode()
    assert "data-unpaired-count>0</span>" in text and "台账人员均已结对" in text
