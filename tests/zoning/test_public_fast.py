"""The public list as each worker holds it (fangkong.zoning.public: the publication): after warm-up
its pages, searches, notice and feed, in both languages, ask the database nothing; a search through
the address index answers what a scan of every row answers; a worker that held the list before a
transition shows the change on its very next answer; a page kept for every visitor is the page
rendered for one, but for a CSRF token of each visitor's own, and never what a signed-in user sees."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from fangkong.core import dbrouting
from fangkong.zoning import public
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.public import AddressIndex, PublicRow, public_areas
from fangkong.zoning.services import area_approve, area_lift, area_propose

from ..factories import ensure_reference_data, make_tree
from .conftest import day

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+')


def in_force(users, place: tuple[str, int], name: str = "迎宾小区3号楼"):
    area = area_propose(actor=users["district"], name=name, area_class=AreaClass.SEALED, places=[place], reason="同楼确诊")
    return area_approve(actor=users["command"], area=area)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def reads(client: Client, q: str) -> list[int]:
    return [
        client.get(reverse("zoning:public_list")).status_code,
        client.get(reverse("zoning:public_list"), {"q": q}).status_code,
        client.get(reverse("zoning:public_list"), {"page": 2}).status_code,
        client.get(reverse("zoning:public_notice"), {"q": q}).status_code,
        client.get(reverse("zoning:public_feed")).status_code,
        client.get(reverse("zoning:public_feed"), {"q": q}).status_code,
    ]


def test_no_query_after_warm_up_in_either_language_not_even_for_a_new_search(twenty, users, block, at, django_assert_num_queries):
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    at(day(1))
    zh, en = Client(), english(Client())
    reads(zh, "迎宾小区 3号楼")  # the worker builds the publication: the list, its index, the words
    with django_assert_num_queries(0):
        assert reads(zh, "迎宾小区 3号楼") == [200] * 6
        assert reads(en, "3号楼") == [200] * 6  # another language, searches not seen before
        assert reads(zh, "新城区 迎宾") == [200] * 6
    at(day(1) + dt.timedelta(minutes=3))  # the kept pages say the time of each answer
    with django_assert_num_queries(0):
        page = en.get(reverse("zoning:public_list")).content.decode()
        assert "High-risk area" in page and "2022-11-11 10:03" in page
        page = zh.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
        assert "高风险区" in page and "截至 2022-11-11 10:03" in page
        assert "截至 2022-11-11 10:03" in zh.get(reverse("zoning:public_notice"), {"q": "迎宾小区 3号楼"}).content.decode()


def test_a_worker_answers_from_what_another_worker_rendered(twenty, users, block, at, monkeypatch):
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    first = Client().get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    feed = Client().get(reverse("zoning:public_feed"), {"q": "3号楼"}).content
    public._held._answers.clear()  # another worker: the same publication, nothing rendered yet

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr("fangkong.zoning.views.render_to_string", no_render)
    monkeypatch.setattr("fangkong.zoning.public.json.dumps", no_render)
    again = Client().get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    assert TOKEN.sub(r"\1", again) == TOKEN.sub(r"\1", first) and "data-public-list" in again and "slot-" not in again
    assert Client().get(reverse("zoning:public_feed"), {"q": "3号楼"}).content == feed


def reference(rows: list[PublicRow], terms: list[str]) -> list[PublicRow]:
    """The rule the index must keep: every word in the row's address, any case, in the rows' order."""
    return [r for r in rows if all(t.casefold() in r.search_text for t in terms)]


def test_the_index_answers_what_a_scan_of_every_row_answers():
    rng = random.Random(14)
    since = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    names = ["迎宾小区", "迎宾南路社区", "3号楼", "13号楼", "1单元", "Block A", "grid 7", "新城区", "区", "楼"]
    rows = [
        PublicRow("building", "sealed", since, "新城区", search_text=" ".join(rng.sample(names, rng.randint(1, 4))).casefold())
        for _ in range(500)
    ]
    rows += [PublicRow("unit", "sealed", since, "x", search_text=""), PublicRow("unit", "sealed", since, "y", search_text="楼\n3号")]
    index = AddressIndex(rows)
    queries = [[], ["3号楼"], ["13号楼"], ["迎宾", "3号楼"], ["block", "A"], ["BLOCK"], ["区"], ["楼", "号"], ["号\n3"], ["楼\n3号"]]
    queries += [["不存在"], ["grid 7"], ["1单元", "迎宾南路社区", "新城区"], [""], ["楼", "3号楼", "13"]]
    for _ in range(400):  # words cut from the addresses: whole names, parts, across a space, one character
        text = rng.choice(rows).search_text or "楼"
        cuts = []
        for _ in range(rng.randint(1, 3)):
            a = rng.randrange(len(text))
            cuts.append(text[a : a + rng.randint(1, 5)].strip() or "区")
        queries.append([c.upper() if rng.random() < 0.2 else c for c in cuts])
    for terms in queries:
        assert index.matching(terms) == reference(rows, terms), terms
    assert public.matching(rows, ["3号楼"]) == reference(rows, ["3号楼"])


def test_searches_over_http_answer_what_the_database_answers(twenty, users, block, at):
    at(day(0))
    other = make_tree(building="5号楼", household="501")
    in_force(users, ("building", block.tree.building.pk))
    in_force(users, ("unit", other.unit.pk), name="5号楼1单元")
    at(day(1))
    anonymous = Client()
    for q in ["", "迎宾小区", "3号楼", "5号楼 1单元", "新城区 迎宾小区", "通顺小区", "号楼", "1单元"]:
        fed = json.loads(anonymous.get(reverse("zoning:public_feed"), {"q": q}).content)["areas"]
        fresh = public_areas(q=q, at=day(1))  # read from the database, not cached
        assert fed == [r.as_json() for r in fresh], q
        assert len(fed) == len(fresh) and (len(fresh) > 0) == (q not in ("通顺小区",)), q


def test_a_worker_that_held_the_list_shows_a_lifting_on_its_next_answer(twenty, users, block, lab, at):
    at(day(0))
    area = in_force(users, ("building", block.tree.building.pk))
    for p in block.residents:
        lab.result(p, day(5, 7), "negative")
    at(day(5, 12))
    anonymous = Client()
    assert "data-public-list" in anonymous.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    assert json.loads(anonymous.get(reverse("zoning:public_feed")).content)["count"] == 1
    held = public._held  # what another worker holds: the list, its index and its answers, all current
    assert held is not None and held.current(public.public_version(), day(5, 12))
    area_lift(actor=users["command"], area=area)  # the same minute: only the token tells
    public._held = held  # as if the lifting was done in another worker
    assert "data-not-found" in anonymous.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    assert json.loads(anonymous.get(reverse("zoning:public_feed")).content)["count"] == 0
    assert public._held is not held


def test_a_page_kept_for_every_visitor_is_the_page_rendered_for_one_with_its_own_csrf_token(twenty, users, block, at):
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    for language in ("zh-hans", "en"):
        for name, params in (("zoning:public_list", {"q": "3号楼"}), ("zoning:public_list", {}), ("zoning:public_notice", {})):
            first, second = Client(), Client()
            for c in (first, second):
                c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            own = Client()
            own.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            own.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"  # rendered for this visitor alone
            a, b = first.get(reverse(name), params), second.get(reverse(name), params)
            alone = own.get(reverse(name), params)
            assert TOKEN.sub(r"\1", a.content.decode()) == TOKEN.sub(r"\1", alone.content.decode())
            assert TOKEN.sub(r"\1", a.content.decode()) == TOKEN.sub(r"\1", b.content.decode())
    # Each visitor's token is theirs: the language switch on a kept page works, with CSRF checks on.
    Client().get(reverse("zoning:public_list"), {"q": "3号楼"})  # another visitor: the page is kept
    checked = Client(enforce_csrf_checks=True)
    page = checked.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page).group(1)
    switched = checked.post(reverse("set_language"), {"language": "en", "next": "/zoning/public/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and checked.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Current risk areas" in checked.get(reverse("zoning:public_list")).content.decode()
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(reverse("zoning:public_list"))
    refused = stranger.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert refused.status_code == 403  # another visitor's token is not this one's


@pytest.mark.parametrize("signed_in_first", [True, False])
def test_a_signed_in_users_page_is_never_kept_for_others(twenty, users, block, at, signed_in_first):
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    office, anonymous = Client(), Client()
    office.force_login(users["district"])
    name = users["district"].get_username()
    order = [office, anonymous] if signed_in_first else [anonymous, office]
    bodies = {id(c): c.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode() for c in order}
    assert name in bodies[id(office)] and "3号楼" in bodies[id(office)]
    assert name not in bodies[id(anonymous)] and "3号楼" in bodies[id(anonymous)]
    assert name not in anonymous.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()


def test_the_answers_a_worker_keeps_are_bounded(twenty, users, block, at, monkeypatch):
    monkeypatch.setattr(public, "ANSWERS_KEPT", 3)
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    anonymous = Client()
    for q in ["3号楼", "迎宾小区", "新城区", "迎宾 3号楼", "通顺小区"]:
        assert anonymous.get(reverse("zoning:public_feed"), {"q": q}).status_code == 200
    held = public._held
    assert held is not None and len(held._answers) == 3
    assert ("feed", "zh-hans", "通顺小区") in held._answers and ("feed", "zh-hans", "3号楼") not in held._answers


def test_rows_kept_by_code_of_another_shape_are_not_read(twenty, users, block, at, monkeypatch):
    """A deploy that changes the kept rows' fields (or pickles them another way) does not read what
    the previous code left in the shared cache: the shape is in the key."""
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    token = public.public_version()
    monkeypatch.setattr(public, "_shape", lambda: "previous")
    bogus = [PublicRow("building", "sealed", day(0), "旧代码区", search_text="旧代码区")]
    cache.set(public._rows_key(token), (day(0), day(0) + dt.timedelta(minutes=5), bogus, {}), 300)
    monkeypatch.undo()
    public._held = None
    fed = json.loads(Client().get(reverse("zoning:public_feed")).content)
    assert [a["building"] for a in fed["areas"]] == ["3号楼"] and "旧代码区" not in json.dumps(fed, ensure_ascii=False)


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test may run after another one flushed the data migrations' rows (the profiles)."""
    ensure_reference_data()


@override_settings(DATABASE_ROUTERS=[dbrouting.ROUTER], FANGKONG_REPLICA_DATABASES=["replica"], FANGKONG_REPLICA_MAX_LAG=5.0)
def test_with_a_replica_the_list_is_read_from_the_primary(transactional_db, reference_data, twenty, users, block, at, monkeypatch):
    """The token is replaced at the commit on the primary: a replica a moment behind would give the
    new token the old rows, kept for every visitor. (The test database has no "replica" alias: a read
    routed there would fail; outside a test transaction, which keeps every read on the primary.)"""
    monkeypatch.setattr(dbrouting, "replica_lag", lambda alias: 0.2)  # a replica within the bound
    dbrouting.forget_checks()
    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    anonymous = Client()
    assert json.loads(anonymous.get(reverse("zoning:public_feed")).content)["count"] == 1
    assert "data-public-list" in anonymous.get(reverse("zoning:public_list"), {"q": "3号楼"}).content.decode()
    assert "3号楼" in anonymous.get(reverse("zoning:public_notice")).content.decode()
    dbrouting.forget_checks()


def test_after_a_transition_one_worker_reads_the_list_and_the_others_wait_for_it(twenty, users, block, at, monkeypatch):
    """Every worker's publication ends with a transition; they all miss at once. One reads the
    database (`_build`), the others take its rows from the shared cache (core.generations.built_once)."""
    import threading
    import time

    at(day(0))
    in_force(users, ("building", block.tree.building.pk))
    rows = public.publication().rows  # the list as the database gives it
    cache.clear()  # a transition: a new token, nothing kept under it
    builds = []

    def slow_build(when):
        builds.append(when)
        time.sleep(0.3)  # every other worker misses meanwhile
        return list(rows)

    monkeypatch.setattr(public, "_build", slow_build)
    monkeypatch.setattr(public, "_level_words", lambda: {})
    monkeypatch.setattr(public, "_next_change", lambda when: when + dt.timedelta(hours=1))
    got: list = []
    start = threading.Barrier(4)

    def worker() -> None:
        public._held = None  # each its own process: nothing held
        start.wait()
        got.append([r.address for r in public.publication().rows])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(builds) == 1
    assert got == [[r.address for r in rows]] * 4
