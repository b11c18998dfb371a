"""Need-to-know on doorstep delivery (review attacks): a deliverer without livelihood.details — a
volunteer coordinator — never gets a request's page (a refused delivery form answers on their
deliveries page, naming nobody), acts only on the requests routed to them or their group (the
rule of their phone page, `routed_to`, enforced by the services), and is not shown the gate
handovers of their grant (those name the resident: grid and community workers only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core.errors import PermissionRefused
from fangkong.core.roles import Role
from fangkong.livelihood.choices import ConfirmedBy, Handover, RequestKind, RequestStatus
from fangkong.livelihood.selectors import gate_handovers
from fangkong.livelihood.services.requests import ROUTED_RULE, delivery_cancel, request_add, request_confirm, request_deliver

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(city):
    """A volunteer coordinator granted the whole district: livelihood.deliver, not livelihood.details."""
    return make_user("xt-district", Role.VOLUNTEER_COORDINATOR, [("district", city.home.district)])


def _shows(body: str, resident) -> list[str]:
    return [s for s in (resident.name, resident.household.address) if s in body]


def test_a_refused_delivery_form_names_nobody_to_a_deliverer_without_details(client, worker, coordinator, entry, resident):
    """The attack: the coordinator (not the resident's pair) posts a bad delivery, confirmation or
    cancellation for a request of their district — once the request page (422) with the resident's
    name and address; now their deliveries page with the error, and no name."""
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    delivered = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="蔬菜包")
    request_deliver(actor=worker, request=delivered, handover=Handover.HOME_DOOR)
    client.force_login(coordinator)
    assert client.get(reverse("livelihood:request_detail", args=[req.pk])).status_code == 403
    posts = [
        ("livelihood:request_deliver", req, {"handover": "roof"}),
        ("livelihood:request_confirm", delivered, {"by": "nobody"}),
        ("livelihood:delivery_cancel", delivered, {"undeliver-reason": ""}),
    ]
    for name, target, data in posts:
        response = client.post(reverse(name, args=[target.pk]), data)
        assert response.status_code == 302 and response["Location"] == reverse("livelihood:deliveries"), name
        assert _shows(response.content.decode(), resident) == [], name
        page = client.get(response["Location"]).content.decode()
        assert _shows(page, resident) == [], name
        assert "alert-danger" in page, name  # the form's error, as a message
    req.refresh_from_db()
    delivered.refresh_from_db()
    assert (req.status, delivered.status) == (RequestStatus.OPEN, RequestStatus.DELIVERED)


def test_the_refusal_tells_the_deliverer_what_was_wrong(client, worker, deliverer, entry, paired, resident):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    client.force_login(deliverer)
    response = client.post(reverse("livelihood:request_deliver", args=[req.pk]), {"handover": Handover.GATE, "handed_to": ""}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("livelihood:deliveries")
    assert "alert-danger" in page and "交接网格员：" in page  # the field at fault, named in the message
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN


def test_a_deliverer_without_details_acts_only_on_requests_routed_to_them(client, worker, users, coordinator, deliverer, entry, paired):
    """The attack: the district's coordinator records, confirms and cancels deliveries of requests
    routed to someone else — refused by the service (403 on the page), nothing changes."""
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    with pytest.raises(PermissionRefused) as exc:
        request_deliver(actor=coordinator, request=req, handover=Handover.HOME_DOOR)
    assert exc.value.rule == ROUTED_RULE
    client.force_login(coordinator)
    assert client.post(reverse("livelihood:request_deliver", args=[req.pk]), {"handover": Handover.HOME_DOOR}).status_code == 403
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.delivered_by is None

    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR)  # the pair delivers
    with pytest.raises(PermissionRefused):
        request_confirm(actor=coordinator, request=req, by=ConfirmedBy.RECIPIENT)
    with pytest.raises(PermissionRefused):
        delivery_cancel(actor=coordinator, request=req, reason="误登记")
    assert client.post(reverse("livelihood:request_confirm", args=[req.pk]), {"by": ConfirmedBy.RECIPIENT}).status_code == 403
    assert client.post(reverse("livelihood:delivery_cancel", args=[req.pk]), {"undeliver-reason": "误登记"}).status_code == 403
    req.refresh_from_db()
    assert req.status == RequestStatus.DELIVERED and req.delivered_by == deliverer


def test_the_routed_deliverer_and_the_workers_still_act(client, worker, users, deliverer, entry, paired):
    """The pair records, cancels and confirms their own delivery from the page, answered on their
    deliveries page; the grid worker confirms a gate handover routed to someone else."""
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    client.force_login(deliverer)
    for name, data in (
        ("livelihood:request_deliver", {"handover": Handover.HOME_DOOR}),
        ("livelihood:delivery_cancel", {"undeliver-reason": "送错了"}),
        ("livelihood:request_deliver", {"handover": Handover.HOME_DOOR}),
        ("livelihood:request_confirm", {"by": ConfirmedBy.RECIPIENT}),
    ):
        response = client.post(reverse(name, args=[req.pk]), data)
        assert response.status_code == 302 and response["Location"] == reverse("livelihood:deliveries"), name
    req.refresh_from_db()
    assert req.status == RequestStatus.CONFIRMED

    gate = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="蔬菜包")
    request_deliver(actor=deliverer, request=gate, handover=Handover.GATE, handed_to="网格员王芳")
    request_confirm(actor=users["grid"], request=gate, by=ConfirmedBy.GRID_WORKER)
    other = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="面条")
    request_deliver(actor=worker, request=other, handover=Handover.HOME_DOOR)  # the community worker: any request of their grant
    delivery_cancel(actor=worker, request=other, reason="误登记")


def test_the_gate_list_names_residents_only_to_who_may_see_them(client, worker, users, coordinator, deliverer, entry, paired, resident):
    """The attack: the district's coordinator opens the deliverer's page and reads every gate
    handover awaiting confirmation in the district (resident, compound, grid worker). Now only
    users with livelihood.details get the list; the deliverer finds their own handover among their
    requests of the day."""
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    request_deliver(actor=deliverer, request=req, handover=Handover.GATE, handed_to="网格员王芳")
    assert list(gate_handovers(coordinator)) == [] and list(gate_handovers(deliverer)) == []
    assert list(gate_handovers(users["grid"])) == [req]
    client.force_login(coordinator)
    page = client.get(reverse("livelihood:deliveries")).content.decode()
    assert resident.name not in page and "网格员王芳" not in page and "data-gate" not in page
    client.force_login(deliverer)
    page = client.get(reverse("livelihood:deliveries")).content.decode()
    assert resident.name in page and "data-gate" not in page  # their own delivery of the day
    client.force_login(users["grid"])
    page = client.get(reverse("livelihood:deliveries")).content.decode()
    assert resident.name in page and "data-gate" in page


def test_the_page_offers_the_request_page_only_to_who_may_open_it(client, worker, deliverer, entry, paired):
    """ "携带库存物资送达" opens the request's page (packs from stock), a 403 without livelihood.details:
    the volunteer is not offered a link they cannot follow."""
    request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    client.force_login(deliverer)
    page = client.get(reverse("livelihood:deliveries")).content.decode()
    assert "data-delivery" in page and "data-with-packs" not in page
