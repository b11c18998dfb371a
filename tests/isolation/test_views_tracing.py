"""流调 pages: the cases to trace, a case's trace with the add-contact form (htmx and plain), the
person look-up, a contact's page with its secondary contacts, the contacts awaiting isolation and
the cluster graph — each inside the user's scope (outside → 404), masked ID numbers only."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.isolation.choices import ContactKind, EpisodeKind, EpisodeStatus
from fangkong.isolation.models import Contact, ContactLink

from ..factories import make_user, next_id_number
from .factories import local, use_profile
from .tracing_factories import add

HTMX = {"HTTP_HX_REQUEST": "true"}


def full_id(person) -> str:
    return decrypt(person.id_cipher)


def form_data(person=None, **extra) -> dict:
    data = {
        "id_number": full_id(person) if person is not None else "",
        "exposure": "household",
        "place": "迎宾小区1号楼",
        "last_exposure_at": "2022-11-13T19:00",
        "identified_at": "2022-11-14T10:00",
    }
    data.update(extra)
    return data


@pytest.fixture
def huimin(city):
    """回民区's district office (where 马丽 and case B's 高峰 live)."""
    return make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def test_tracing_pages_need_a_login(client, trace):
    for url in (reverse("isolation:tracing_home"), reverse("isolation:trace_case", args=[trace.case_a.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_case_list_is_scoped(client, trace, users):
    client.force_login(users["command"])
    response = client.get(reverse("isolation:tracing_home"))
    assert response.status_code == 200
    assert {c.pk for c in response.context["page_obj"].object_list} == {trace.case_a.pk, trace.case_b.pk}
    assert reverse("isolation:tracing_home") in response.content.decode()  # the nav entry
    client.force_login(users["district"])
    response = client.get(reverse("isolation:tracing_home"))
    assert [c.pk for c in response.context["page_obj"].object_list] == [trace.case_a.pk]
    client.force_login(users["nogrant"])
    assert list(client.get(reverse("isolation:tracing_home")).context["page_obj"].object_list) == []


def test_a_case_outside_the_jurisdiction_is_404_everywhere(client, trace, users):
    client.force_login(users["district"])
    for name in ("trace_case", "cluster_graph"):
        assert client.get(reverse(f"isolation:{name}", args=[trace.case_b.pk])).status_code == 404
    response = client.post(reverse("isolation:contact_add", args=[trace.case_b.pk]), form_data(trace.family))
    assert response.status_code == 404 and not Contact.objects.exists()


def test_adding_a_registry_contact_redirects_to_the_trace_with_masked_ids(client, trace, users):
    client.force_login(users["district"])
    url = reverse("isolation:contact_add", args=[trace.case_a.pk])
    response = client.post(url, form_data(trace.family))
    assert response.status_code == 302 and response["Location"] == reverse("isolation:trace_case", args=[trace.case_a.pk])
    contact = Contact.objects.get(person=trace.family)
    assert contact.kind == ContactKind.CLOSE_CONTACT and contact.episode.status == EpisodeStatus.AWAITING_TRANSFER
    page = client.get(response["Location"])
    html = page.content.decode()
    assert trace.family.id_masked in html and full_id(trace.family) not in html
    assert f'data-contact="{contact.pk}"' in html and "11-15 00:00" in html  # the same-day deadline
    assert "已登记密接" in str(list(page.context["messages"])[0])


def test_the_htmx_form_swaps_the_workspace_and_shows_refusals_with_their_rule(client, trace, users):
    client.force_login(users["district"])
    url = reverse("isolation:contact_add", args=[trace.case_a.pk])
    response = client.post(url, form_data(trace.neighbour, exposure="workplace"), **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "contactAdded"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="trace-workspace"') and 'id="contact-added"' in html
    assert full_id(trace.neighbour) not in html  # the form is fresh after a success
    # The case's own person: refused, naming the rule, next to the field.
    response = client.post(url, form_data(trace.case_a.person), **HTMX)
    assert response.status_code == 422
    assert "tracing.not_self" in response.content.decode() and response.context["form"].errors["id_number"]
    # The same exposure again.
    response = client.post(url, form_data(trace.neighbour), **HTMX)
    assert response.status_code == 422 and "tracing.duplicate_link" in response.content.decode()
    assert ContactLink.objects.count() == 1


def test_a_new_person_is_registered_from_the_form(client, trace, users, city):
    client.force_login(users["district"])
    url = reverse("isolation:contact_add", args=[trace.case_a.pk])
    number = next_id_number("150103")
    response = client.post(url, form_data(id_number=number), **HTMX)
    assert response.status_code == 422 and response.context["form"].errors["name"]
    response = client.post(url, form_data(id_number=number, name="陈新", community=str(city.elsewhere.community.pk), phone="13700001234"))
    assert response.status_code == 302
    person = Person.objects.get(name="陈新")
    contact = Contact.objects.get(person=person)
    assert contact.community_id == city.elsewhere.community.pk and contact.episode.community_id == city.elsewhere.community.pk


def test_who_may_add_contacts(client, trace, users):
    client.force_login(users["community"])  # sees the case, may not trace
    assert client.get(reverse("isolation:trace_case", args=[trace.case_a.pk])).status_code == 200
    response = client.post(reverse("isolation:contact_add", args=[trace.case_a.pk]), form_data(trace.family))
    assert response.status_code == 403 and not Contact.objects.exists()
    assert client.post(reverse("isolation:person_lookup"), {"id_number": full_id(trace.family)}).status_code == 403
    assert 'id="contact-form"' not in client.get(reverse("isolation:trace_case", args=[trace.case_a.pk])).content.decode()


def test_the_person_look_up_shows_the_masked_number_or_asks_for_a_new_person(client, trace, users):
    client.force_login(users["district"])
    url = reverse("isolation:person_lookup")
    html = client.post(url, {"id_number": full_id(trace.family)}).content.decode()  # the district's own resident
    assert "李建国" in html and trace.family.id_masked in html and full_id(trace.family) not in html
    # 马丽 lives in 回民区: not the district's to see — answered as not in the registry, nothing about her
    html = client.post(url, {"id_number": full_id(trace.far)}).content.decode()
    assert 'data-found=""' in html and "马丽" not in html and trace.far.id_masked not in html
    # …until she is a contact of a case the district traces
    add(users["command"], trace.case_a, trace.far)
    html = client.post(url, {"id_number": full_id(trace.far)}).content.decode()
    assert "马丽" in html and "data-current" in html
    client.force_login(users["command"])
    assert 'data-refuse="case"' in client.post(url, {"id_number": full_id(trace.case_b.person)}).content.decode()
    assert 'data-found=""' in client.post(url, {"id_number": next_id_number()}).content.decode()


def test_the_contact_page_is_seen_by_the_tracers_and_where_the_contact_lives(client, trace, users, huimin):
    contact = add(users["command"], trace.case_a, trace.far).contact  # 马丽 (回民区), case A (新城区)
    url = reverse("isolation:contact_detail", args=[contact.pk])
    for user in (users["command"], users["district"], huimin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        html = response.content.decode()
        assert trace.far.id_masked in html and full_id(trace.far) not in html
    # 回民区 sees its resident, but not 新城区's case: no link to it, and no name.
    assert reverse("isolation:trace_case", args=[trace.case_a.pk]) not in html and "辖区外" in html
    other = add(users["command"], trace.case_a, trace.lone[0]).contact  # a 新城区 resident of a 新城区 case
    assert client.get(reverse("isolation:contact_detail", args=[other.pk])).status_code == 404
    client.force_login(users["nogrant"])
    assert client.get(url).status_code == 404


def test_secondary_contacts_from_the_contact_page_follow_the_policy(client, trace, users):
    close = add(users["command"], trace.case_a, trace.family).contact
    client.force_login(users["district"])
    page = client.get(reverse("isolation:contact_detail", args=[close.pk]))
    html = page.content.decode()
    assert not page.context["can_add_secondary"]
    # The policy named in words; its rule only in the folded 依据, never as a raw code.
    assert "不再判定次密接" in html and "优化防控二十条措施" in html and 'data-rule="secondary_contact.traced"' in html
    assert "<code>secondary_contact.traced</code>" not in html
    url = reverse("isolation:secondary_add", args=[close.pk])
    response = client.post(url, form_data(trace.neighbour, exposure="workplace"))
    assert response.status_code == 422 and 'data-rule="secondary_contact.traced"' in response.content.decode()
    use_profile("ninth-edition")
    assert client.get(reverse("isolation:contact_detail", args=[close.pk])).context["can_add_secondary"]
    response = client.post(url, form_data(trace.neighbour, exposure="workplace"))
    assert response.status_code == 302
    secondary = Contact.objects.get(person=trace.neighbour)
    assert secondary.kind == ContactKind.SECONDARY_CONTACT and secondary.episode.kind == EpisodeKind.SECONDARY_CONTACT
    html = client.get(reverse("isolation:trace_case", args=[trace.case_a.pk])).content.decode()
    assert f'data-via="{close.pk}"' in html


def test_a_secondary_contact_from_a_form_opened_before_a_policy_switch_is_refused_with_its_rule(client, trace, users):
    """The 9th edition traces secondary contacts: the form is on the page. The command switches to the
    20 measures; the form, still open, is submitted: refused, and the refusal names the policy and
    its rule (依据) where the form was — before, the page came back without the form and without a word."""
    close = add(users["command"], trace.case_a, trace.family).contact
    use_profile("ninth-edition")
    client.force_login(users["district"])
    assert 'id="contact-form"' in client.get(reverse("isolation:contact_detail", args=[close.pk])).content.decode()
    use_profile("twenty-measures")
    response = client.post(reverse("isolation:secondary_add", args=[close.pk]), form_data(trace.neighbour, exposure="workplace"))
    assert response.status_code == 422 and not Contact.objects.filter(person=trace.neighbour).exists()
    html = response.content.decode()
    form = html[html.index('id="contact-form"') :]
    assert 'role="alert"' in form and "现行政策“优化防控二十条措施”不再判定次密接，不能登记次密接" in form
    assert "<summary>依据</summary>" in form and 'data-rule="secondary_contact.traced"' in form
    assert "二十条" in form[form.index("<summary>依据</summary>") :]  # the policy document cited


def test_the_contacts_awaiting_board_is_overdue_first_scoped_and_refreshes(client, trace, users, huimin):
    first = add(users["command"], trace.case_a, trace.family).contact
    second = add(users["command"], trace.case_b, trace.far, at=local(2022, 11, 15, 9)).contact
    url = reverse("isolation:contacts_awaiting")
    client.force_login(users["command"])
    response = client.get(url)
    assert [e.pk for e in response.context["page_obj"].object_list] == [first.episode_id, second.episode_id]
    html = response.content.decode()
    assert 'hx-trigger="every 60s"' in html and "data-overdue" in html
    assert reverse("isolation:trace_case", args=[trace.case_a.pk]) in html
    partial = client.get(url, **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="contacts-board"')
    client.force_login(huimin)  # only 马丽, who lives in 回民区
    response = client.get(url)
    assert [e.pk for e in response.context["page_obj"].object_list] == [second.episode_id]


def test_the_cluster_graph_page_draws_the_chain(client, trace, users):
    add(users["command"], trace.case_a, trace.far)
    add(users["command"], trace.case_b, trace.far, exposure="workplace")
    client.force_login(users["district"])
    response = client.get(reverse("isolation:cluster_graph", args=[trace.case_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and 'id="cluster-graph-data"' in html
    data = json.loads(html.split('id="cluster-graph-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["nodes"]) == 3 and len(data["links"]) == 2
    names = {n["name"] for n in data["nodes"]}
    assert "王秀英" in names and "马丽" in names and "高峰" not in html  # 回民区's case: anonymous
    far = next(n for n in data["nodes"] if n["name"] == "马丽")
    assert far["url"] == reverse("isolation:contact_detail", args=[Contact.objects.get(person=trace.far).pk])
