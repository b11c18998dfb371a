"""Grid workers' pages: the door-knocking list (content, counts, scoping, printing), recording a
visit (the household re-renders at once; errors named by field; bedridden → a home-sampling task),
and the re-sampling tasks after a pool-positive tube (their grid only) with a home re-sample."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.testing.choices import PoolingMode, ResamplingReason, ResamplingStatus
from fangkong.testing.events import TestingEvent
from fangkong.testing.models import HouseholdCheck, PersonCheck, ResamplingTask, Tube, TubeMember
from fangkong.testing.services import Binding, bulk_bind, tube_receive

from ..factories import make_person
from .factories import at, upload

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sampled(setup, users):
    """Eight of the ten home-grid residents in a 10-in-1 tube (received), the other grid's resident in
    a single tube (positive); 王秀英 and 李建国 (household 101) not sampled."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:]], at=at(1),
    )  # fmt: skip
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1", "S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 16:00")], at(9))
    return setup


def knock_url(s, grid):
    return reverse("testing:door_knocking", args=[s.round.pk, grid.pk])


def check_url(s, household):
    return reverse("testing:household_check", args=[s.round.pk, household.pk])


def tasks_url(s):
    return reverse("testing:resampling_tasks", args=[s.round.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def form_data(household, checks: dict, sticker="posted", point=None) -> dict:
    """POST data of one household's form: {person: (outcome, whereabouts, barcode)}."""
    prefix = f"h{household.pk}-"
    data = {f"{prefix}sticker": sticker, f"{prefix}sampling_point": point.pk if point else ""}
    for person, (outcome, where, barcode) in checks.items():
        data |= {
            f"{prefix}outcome_{person.pk}": outcome,
            f"{prefix}whereabouts_{person.pk}": where,
            f"{prefix}barcode_{person.pk}": barcode,
            f"{prefix}note_{person.pk}": "",
        }
    return data


# ---- 敲门行动 ----


def test_door_knocking_lists_the_households_with_someone_not_sampled(client, sampled, users, city):
    response = as_user(client, users["grid"]).get(knock_url(sampled, city.home.grid))
    assert response.status_code == 200
    households = response.context["households"]
    assert [h.household_id for h in households] == [city.home.household.pk]
    wang, li = sampled.ten[0], sampled.ten[1]
    assert [m.name for m in households[0].item.missing] == ["王秀英", "李建国"]
    counts = response.context["counts"]
    assert (counts.households, counts.missing, counts.explained, counts.unexplained, counts.stickers) == (1, 2, 0, 2, 0)
    html = response.content.decode()
    assert "迎宾小区1号楼1单元101" in html
    assert wang.id_masked in html and li.id_masked in html
    assert "*" in wang.id_masked
    assert "居民0" not in html  # sampled residents are not listed
    # printable: a print table and the print stylesheet, no full ID anywhere
    assert 'id="knock-print"' in html and "css/testing.css" in html
    assert "data-fk-print" in html


def test_a_grid_worker_sees_only_their_grid(client, sampled, users, city):
    c = as_user(client, users["grid"])
    assert c.get(knock_url(sampled, city.neighbour.grid)).status_code == 404
    assert c.get(knock_url(sampled, city.elsewhere.grid)).status_code == 404
    assert c.post(check_url(sampled, city.neighbour.household), {}, **HTMX).status_code == 404
    assert as_user(client, users["nogrant"]).get(knock_url(sampled, city.home.grid)).status_code == 404
    assert as_user(client, sampled.lab_user).get(knock_url(sampled, city.home.grid)).status_code == 403
    client.logout()
    response = client.get(knock_url(sampled, city.home.grid))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_an_all_sampled_grid_says_so(client, sampled, users, city):
    response = as_user(client, users["community"]).get(knock_url(sampled, city.neighbour.grid))
    assert response.status_code == 200
    assert response.context["households"] == []
    assert "本网格居民均已采样" in response.content.decode()


def test_the_grid_chooser_sends_a_grid_worker_to_their_grid(client, sampled, users, city):
    url = reverse("testing:door_knocking_grids", args=[sampled.round.pk])
    response = as_user(client, users["grid"]).get(url)
    assert response.status_code == 302 and response.url == knock_url(sampled, city.home.grid)
    response = as_user(client, users["community"]).get(url)
    assert [g.name for g in response.context["page_obj"]] == ["第一网格", "第二网格"]


def test_recording_a_visit_updates_the_household_at_once(client, sampled, users, city):
    wang, li = sampled.ten[0], sampled.ten[1]
    household = city.home.household
    data = form_data(household, {wang: ("away", "北京市朝阳区", ""), li: ("refused", "", "")})
    response = as_user(client, users["grid"]).post(check_url(sampled, household), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="household-{household.pk}"' in html
    assert 'data-state="explained"' in html and 'data-sticker="posted"' in html
    assert "北京市朝阳区" in html and "核查已保存" in html
    assert 'id="knock-counts" hx-swap-oob="true"' in html  # the counts at the top follow
    assert {p: (o, w) for p, o, w in PersonCheck.objects.values_list("person_id", "outcome", "whereabouts")} == {
        wang.pk: ("away", "北京市朝阳区"),
        li.pk: ("refused", ""),
    }
    assert HouseholdCheck.objects.get(household=household).sticker == "posted"
    assert AuditEvent.objects.filter(event_type=TestingEvent.HOUSEHOLD_CHECKED, object_id=str(household.pk)).count() == 1

    counts = client.get(knock_url(sampled, city.home.grid)).context["counts"]
    assert (counts.missing, counts.explained, counts.unexplained, counts.stickers) == (2, 2, 0, 1)


def test_a_visit_without_htmx_redirects_back_to_the_household(client, sampled, users, city):
    household = city.home.household
    data = form_data(household, {sampled.ten[0]: ("moved_out", "", "")})
    response = as_user(client, users["grid"]).post(check_url(sampled, household), data)
    assert response.status_code == 302
    assert response.url == f"{knock_url(sampled, city.home.grid)}#household-{household.pk}"
    assert PersonCheck.objects.get(person=sampled.ten[0]).outcome == "moved_out"


def test_errors_are_named_by_field_and_nothing_is_written(client, sampled, users, city):
    wang, li = sampled.ten[0], sampled.ten[1]
    household = city.home.household
    data = form_data(household, {wang: ("away", "", ""), li: ("sampled_on_spot", "", "")})
    response = as_user(client, users["grid"]).post(check_url(sampled, household), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-error-for="whereabouts_{wang.pk}"' in html and "外出人员须注明去向" in html
    assert f'data-error-for="barcode_{li.pk}"' in html and "当场采样须填写试管条码" in html
    assert '<details class="fk-no-print" open>' in html
    assert not PersonCheck.objects.exists() and not HouseholdCheck.objects.exists()

    # a full tube is refused by the binding service; the refusal lands on that resident's barcode
    data = form_data(household, {wang: ("refused", "", ""), li: ("sampled_on_spot", "", "S1")})
    response = client.post(check_url(sampled, household), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-error-for="barcode_{li.pk}"' in html and "S1" in html
    assert not PersonCheck.objects.exists()

    # without htmx the whole page comes back with the form open
    response = client.post(check_url(sampled, household), form_data(household, {wang: ("away", "", "")}))
    assert response.status_code == 422
    assert f'data-error-for="whereabouts_{wang.pk}"' in response.content.decode()


def test_sampling_everyone_on_the_spot_takes_the_household_off_the_list(client, sampled, users, city):
    wang, li = sampled.ten[0], sampled.ten[1]
    household = city.home.household
    data = form_data(household, {wang: ("sampled_on_spot", "", "D1"), li: ("sampled_on_spot", "", "D1")}, point=sampled.point)
    response = as_user(client, users["grid"]).post(check_url(sampled, household), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="sampled"' in html and "本户居民均已采样" in html
    assert set(TubeMember.objects.filter(tube__barcode="D1").values_list("person_id", flat=True)) == {wang.pk, li.pk}
    page = client.get(knock_url(sampled, city.home.grid))
    assert page.context["households"] == [] and "本网格居民均已采样" in page.content.decode()


def test_bedridden_creates_a_home_sampling_task(client, sampled, users, city):
    wang = sampled.ten[0]
    household = city.home.household
    c = as_user(client, users["grid"])
    response = c.post(check_url(sampled, household), form_data(household, {wang: ("bedridden", "", "")}), **HTMX)
    assert response.status_code == 200
    assert 'data-home-task="open"' in response.content.decode()
    task = ResamplingTask.objects.get(person=wang)
    assert (task.reason, task.status, task.grid_id) == (ResamplingReason.HOME_SAMPLING, ResamplingStatus.OPEN, city.home.grid.pk)

    tasks = c.get(tasks_url(sampled))
    assert [t.pk for g in tasks.context["groups"] for t in g.tasks] == [task.pk]
    assert "卧床" in tasks.content.decode()


# ---- 上门单采 ----


@pytest.fixture
def pool_positive(sampled, users, city):
    """P1 (eight home-grid residents) positive, and a pooled tube of the other grid positive too."""
    neighbours = [make_person(city.neighbour.household, "钱伟"), make_person(city.neighbour.household, "孙丽")]
    bulk_bind(
        actor=users["community"], testing_round=sampled.round, sampling_point=sampled.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P2", person_id=p.pk) for p in neighbours], at=at(2),
    )  # fmt: skip
    tube_receive(actor=sampled.lab_user, testing_round=sampled.round, laboratory=sampled.lab, barcodes=["P2"], at=at(3))
    upload(
        sampled.lab_user, sampled.round, sampled.lab,
        [("P1", "阳性", 29, None, "2022-02-25 16:30"), ("P2", "阳性", 30, None, "2022-02-25 16:40")], at(10),
    )  # fmt: skip
    sampled.neighbour_person = neighbours[0]
    return sampled


def test_after_a_pool_positive_the_grid_worker_sees_their_grids_tasks_only(client, pool_positive, users, city):
    s = pool_positive
    response = as_user(client, users["grid"]).get(tasks_url(s))
    assert response.status_code == 200
    tasks = [t for g in response.context["groups"] for t in g.tasks]
    assert sorted(t.person.name for t in tasks) == sorted(f"居民{i}" for i in range(8))
    assert {t.reason for t in tasks} == {ResamplingReason.POOL_POSITIVE}
    html = response.content.decode()
    assert "钱伟" not in html and "孙丽" not in html
    assert "P1" in html and "迎宾小区1号楼1单元102" in html
    assert s.ten[2].id_masked in html
    assert [g.address for g in response.context["groups"]] == ["迎宾小区1号楼1单元102"]
    assert [g.pk for g in response.context["grids"]] == [city.home.grid.pk]
    # another grid, by filter: 404
    assert client.get(tasks_url(s), {"grid": city.neighbour.grid.pk}).status_code == 404

    # the community worker sees both grids, and can filter one
    c = as_user(client, users["community"])
    assert c.get(tasks_url(s)).context["page_obj"].paginator.count == 10
    only = c.get(tasks_url(s), {"grid": city.neighbour.grid.pk})
    assert [t.person.name for g in only.context["groups"] for t in g.tasks] == ["钱伟", "孙丽"]
    # htmx asks for the list only
    fragment = c.get(tasks_url(s), {"status": "all"}, **HTMX)
    assert fragment.content.decode().lstrip().startswith('<div id="tasks">')
    assert as_user(client, users["nogrant"]).get(tasks_url(s)).status_code == 404


def test_collect_a_home_re_sample(client, pool_positive, users):
    s = pool_positive
    task, other = ResamplingTask.objects.filter(person__in=s.ten[2:4]).order_by("id")
    url = reverse("testing:resampling_collect", args=[s.round.pk, task.pk])
    c = as_user(client, users["grid"])
    response = c.post(url, {"barcode": " R1 "}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and 'data-status="sampled"' in html and "R1" in html
    task.refresh_from_db()
    assert task.status == ResamplingStatus.SAMPLED and task.resample_tube.barcode == "R1"
    tube = Tube.objects.get(barcode="R1")
    assert (tube.is_resample, tube.member_count, tube.pooling_mode) == (True, 1, PoolingMode.SINGLE)
    assert AuditEvent.objects.filter(event_type=TestingEvent.RESAMPLE_COLLECTED, object_id=str(task.pk)).exists()

    # refusals are shown on the task: a barcode already used, a task already sampled, an empty barcode
    other_url = reverse("testing:resampling_collect", args=[s.round.pk, other.pk])
    refused = c.post(other_url, {"barcode": "R1"}, **HTMX)
    assert refused.status_code == 422 and "R1 本轮已使用" in refused.content.decode()
    again = c.post(url, {"barcode": "R9"}, **HTMX)
    assert again.status_code == 422 and "该单采任务" in again.content.decode() and "data-refused" in again.content.decode()
    assert c.post(other_url, {"barcode": ""}, **HTMX).status_code == 422
    other.refresh_from_db()
    assert other.status == ResamplingStatus.OPEN

    # without htmx: back to the list with a message
    response = c.post(other_url, {"barcode": "R2"})
    assert response.status_code == 302 and f"#task-{other.pk}" in response.url
    # a task of another grid answers 404
    theirs = ResamplingTask.objects.get(person=s.neighbour_person)
    assert c.post(reverse("testing:resampling_collect", args=[s.round.pk, theirs.pk]), {"barcode": "R3"}, **HTMX).status_code == 404
    assert not Tube.objects.filter(barcode="R3").exists()


def test_tasks_can_be_filtered_by_status_and_printed(client, pool_positive, users):
    s = pool_positive
    task = ResamplingTask.objects.filter(person=s.ten[2]).get()
    c = as_user(client, users["grid"])
    c.post(reverse("testing:resampling_collect", args=[s.round.pk, task.pk]), {"barcode": "R1"}, **HTMX)
    sampled_only = c.get(tasks_url(s), {"status": "sampled"})
    assert [t.pk for g in sampled_only.context["groups"] for t in g.tasks] == [task.pk]
    open_only = c.get(tasks_url(s), {"status": "open"})
    assert open_only.context["page_obj"].paginator.count == 7
    html = open_only.content.decode()
    assert "print=1" in html and "format=xlsx" in html and "css/testing.css" in html  # the printed list: every task, not a page
    assert len(re.findall(r'data-task="\d+"', html)) == 7
    assert c.get(tasks_url(s), {"status": "nonsense"}).context["status"] == ""


def _tags(html: str) -> list[tuple]:
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple] = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, tuple(sorted((k, v or "") for k, v in attrs))))

        def handle_data(self, data):
            if data.strip():
                self.found.append(("text", data.strip()))

    parser = Tags()
    parser.feed(str(html))
    return parser.found


def test_the_fast_widgets_render_what_django_renders(setup):
    """The door-knocking forms render their widgets without Django's widget templates; the markup
    must be the same (attribute order aside), unbound and bound with errors."""
    from fangkong.testing.field_forms import HouseholdCheckForm
    from fangkong.testing.models import SamplingPoint
    from fangkong.testing.selectors import HouseholdToKnock, MissingMember
    from fangkong.testing.templatetags.testing_fields import fast_widget

    points = SamplingPoint.objects.filter(pk=setup.point.pk)
    missing = [MissingMember(7, "张", "1***", "away", "北京"), MissingMember(8, "李", "2***")]
    household = HouseholdToKnock(5, "1号楼101", 3, 1, "none", missing)
    data = {"h5-sticker": "posted", "h5-outcome_7": "away", "h5-whereabouts_7": "", "h5-sampling_point": str(setup.point.pk)}
    bound = HouseholdCheckForm(data, household=household, points=points)
    assert not bound.is_valid()  # away without whereabouts
    for form in (HouseholdCheckForm(household=household, points=points), bound):
        for name in form.fields:
            assert _tags(fast_widget(form[name])) == _tags(form[name].as_widget()), name
    assert ("option", (("selected", ""), ("value", str(setup.point.pk)))) in _tags(fast_widget(bound["sampling_point"]))


def test_a_households_form_is_fetched_when_it_is_opened(client, sampled, users, city):
    client.force_login(users["grid"])
    household = city.home.household
    page = client.get(reverse("testing:door_knocking", args=[sampled.round.pk, city.home.grid.pk])).content.decode()
    check_url = reverse("testing:household_check", args=[sampled.round.pk, household.pk])
    assert f'hx-get="{check_url}"' in page and f'name="h{household.pk}-sticker"' not in page  # not rendered up front
    fragment = client.get(check_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and f'name="h{household.pk}-sticker"' in fragment and f'hx-post="{check_url}"' in fragment
    for person in household.members.all():
        assert f'name="h{household.pk}-outcome_{person.pk}"' in fragment
    # Without JavaScript: the link opens the page with that household's form in it.
    response = client.get(check_url)
    assert response.status_code == 302 and f"?household={household.pk}" in response["Location"]
    assert f'name="h{household.pk}-sticker"' in client.get(response["Location"]).content.decode()
