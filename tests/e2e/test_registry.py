"""The registry in a real browser: a community worker signs in, browses from the overview down to a
household, sees masked ID numbers, reveals one with a reason, and cannot open a person of another
community. With FANGKONG_SCREENSHOTS=1 the run also saves the screenshots used in docs/user-guide.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import GridWorker, Person

from ..factories import ensure_reference_data, make_person, make_tree, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "pass-word-1"
SCREENSHOTS = os.environ.get("FANGKONG_SCREENSHOTS") == "1"
IMG_DIR = Path(__file__).resolve().parents[2] / "docs" / "img"

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_M = ["建国", "志强", "海军", "俊峰", "文斌", "永强", "卫东", "宏伟", "立新", "晓东", "子轩", "浩然", "宇航", "明", "军", "刚"]
GIVEN_F = ["秀英", "桂兰", "玉兰", "淑珍", "丽娟", "晓红", "雪梅", "艳红", "丽萍", "美玲", "欣怡", "梓涵", "雨桐", "敏", "静", "婷"]
MONGOLIAN = ["巴特尔", "乌兰", "其其格", "格日勒图", "萨仁", "斯琴", "宝力道", "娜仁"]
ELDERLY_TAGS = ["elderly_alone", "empty_nest", "dibao", "disabled", "jisheng_tefu", "chronic"]


@dataclass
class Registry:
    community_worker: object
    command: object
    home_person: Person  # in the community worker's community, with a household
    other_person: Person  # in another community


def ensure_districts() -> None:
    ensure_reference_data()


def build_registry(*, rich: bool) -> Registry:
    """A small but realistic slice of the city: the worker's community in full, and a few others."""
    rng = random.Random(2022)
    sequence = iter(range(1, 999))

    def person(household, district_code: str, *, elderly: bool = False, **extra) -> Person:
        sex = rng.choice("MF")
        age = rng.randint(62, 88) if elderly else rng.randint(3, 58)
        birth = dt.date(2022 - age, rng.randint(1, 12), rng.randint(1, 28))
        seq = next(sequence)
        number = make_resident_id(district_code, birth, 2 * seq + (1 if sex == "M" else 0))
        surname = rng.choice(SURNAMES)
        name = surname + (rng.choice(MONGOLIAN) if rng.random() < 0.1 else rng.choice(GIVEN_M if sex == "M" else GIVEN_F))
        phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}" if age >= 16 else ""
        tags = [rng.choice(ELDERLY_TAGS)] if elderly and rng.random() < 0.6 else []
        return make_person(household, extra.get("name", name), id_number=number, phone=extra.get("phone", phone), tags=tags)

    def fill(tree_kwargs: dict, district_code: str, compounds: list[str], buildings: int, units: int, floors: int) -> list[Person]:
        people = []
        for compound in compounds:
            for b in range(1, buildings + 1):
                grid = "第一网格" if b <= (buildings + 1) // 2 else "第二网格"
                for u in range(1, units + 1):
                    for floor in range(1, floors + 1):
                        for door in (1, 2):
                            tree = make_tree(
                                **tree_kwargs,
                                grid=grid,
                                compound=compound,
                                building=f"{b}号楼",
                                unit=f"{u}单元",
                                household=f"{floor}0{door}",
                            )
                            size = rng.choice([1, 2, 2, 3, 3, 4])
                            for i in range(size):
                                people.append(person(tree.household, district_code, elderly=(size == 1 or (i == 0 and rng.random() < 0.3))))
        return people

    ensure_districts()
    home_kwargs = {"district_code": "150102", "street": "中山东路街道", "community": "迎宾南路社区"}
    home = make_tree(**home_kwargs, grid="第一网格", compound="迎宾小区", building="1号楼", unit="1单元", household="101")
    home_person = make_person(
        home.household,
        "王秀英",
        id_number=make_resident_id("150102", dt.date(1948, 3, 12), 24),
        phone="13804711234",
        tags=["elderly_alone"],
    )
    make_person(home.household, "李建国", id_number=make_resident_id("150102", dt.date(1946, 9, 2), 15), phone="13947105678")
    compounds = ["迎宾小区", "金桥家园", "阳光花园"] if rich else ["迎宾小区"]
    fill(home_kwargs, "150102", compounds, buildings=3 if rich else 1, units=2 if rich else 1, floors=3 if rich else 1)
    for grid, workers in (("第一网格", [("张丽娟", "13847110001")]), ("第二网格", [("刘海军", "13847110002"), ("赵敏", "13847110003")])):
        tree = make_tree(**home_kwargs, grid=grid)
        for name, phone in workers:
            GridWorker.objects.get_or_create(grid=tree.grid, name=name, defaults={"phone": phone})

    elsewhere = make_tree(district_code="150103", street="环河街街道", community="通顺社区", compound="通顺小区")
    other_person = make_person(
        elsewhere.household, "马丽", id_number=make_resident_id("150103", dt.date(1985, 6, 1), 32), phone="13900002222"
    )
    if rich:
        others = [
            ("150102", "中山东路街道", "海东路社区", ["海东小区"]),
            ("150102", "东风路街道", "东风社区", ["东风花园", "电力小区"]),
            ("150103", "环河街街道", "通顺社区", ["通顺小区"]),
            ("150104", "石东路街道", "石东社区", ["石羊桥小区"]),
            ("150105", "人民路街道", "人民路社区", ["恒昌小区", "水岸小区"]),
            ("150121", "察素齐镇", "察素齐社区", ["民馨家园"]),
        ]
        for code, street, community, names in others:
            fill({"district_code": code, "street": street, "community": community}, code, names, buildings=2, units=1, floors=2)
    worker = make_user("yingbin", Role.COMMUNITY_WORKER, [("community", home.community)], password=PASSWORD)
    worker.full_name = "张丽娟"
    worker.save(update_fields=["full_name"])
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    command.full_name = "市指挥部值班员"
    command.save(update_fields=["full_name"])
    return Registry(worker, command, home_person, other_person)


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in afresh as `username` (the previous session's cookies cleared) and wait for the page
    the sign-in leads to."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) [type=submit], form:has(#id_password) button").first.click()
    # the login page's own URL ends in "/" too: wait until the sign-in has left it
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        IMG_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMG_DIR / name), full_page=True)


def reveal(page, reason: str) -> None:
    page.click("#reveal-button")
    page.fill("#id_reason", reason)
    page.get_by_role("button", name="确认查看").click()
    page.wait_for_selector("#revealed-id")


def test_community_worker_browses_to_a_household_and_reveals_an_id(transactional_db, live_server, page):
    data = build_registry(rich=SCREENSHOTS)
    base = live_server.url
    log_in(page, base, "yingbin")

    # The overview opens on the worker's community and links into the hierarchy.
    assert page.locator("h1").first.inner_text() == "总览"
    assert "迎宾南路社区" in page.locator("main").inner_text()
    page.get_by_role("link", name="逐级浏览区域与人口").click()
    expect(page.locator("h1").first).to_contain_text("迎宾南路社区")
    assert page.locator("h1").first.inner_text().startswith("迎宾南路社区")
    shot(page, "registry-community.png")

    page.locator("#children-table").get_by_role("link", name="迎宾小区").click()
    page.locator("#children-table").get_by_role("link", name="1号楼").click()
    page.locator("#children-table").get_by_role("link", name="1单元").click()
    page.locator("#children-table").get_by_role("link", name="101").click()
    expect(page.locator("h1")).to_contain_text("迎宾小区1号楼1单元101")
    members = page.locator("#members-table")
    assert members.get_by_text("王秀英").is_visible()
    masked = members.locator(".masked").first.inner_text()
    assert "********" in masked
    shot(page, "registry-household.png")

    # The person page shows the masked number; revealing it needs a reason and is audited.
    members.get_by_role("link", name="王秀英").click()
    assert "********" in page.locator("#masked-id").inner_text()
    page.click("#reveal-button")
    page.get_by_role("button", name="确认查看").click()  # no reason
    expect(page.locator("#id-number [role=alert]")).to_contain_text("请填写查看事由")
    page.fill("#id_reason", "核酸检测登记核对身份")
    page.get_by_role("button", name="确认查看").click()
    expect(page.locator("#revealed-id")).to_be_visible()
    full = page.locator("#revealed-id").inner_text()
    assert "*" not in full and len(full) == 18 and full.startswith("150102")
    assert AuditEvent.objects.filter(
        event_type=EventType.ID_REVEALED, object_id=str(data.home_person.pk), reason="核酸检测登记核对身份"
    ).exists()
    shot(page, "registry-person.png")

    # A person of another community answers "not found", like a missing one.
    response = page.goto(f"{base}/places/people/{data.other_person.pk}/")
    assert response.status == 404
    assert "马丽" not in page.content()


def test_a_search_by_full_id_number_keeps_the_number_out_of_the_address(transactional_db, live_server, page):
    """The navbar box and the search form post: the address bar shows ?s=…, never the number."""
    from fangkong.core.crypto import decrypt

    data = build_registry(rich=False)
    number = decrypt(data.home_person.id_cipher)
    log_in(page, live_server.url, "yingbin")
    page.locator("nav input[name=q]").fill(number)
    page.locator("nav input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r".*/places/people/\?s=[\w-]+$"))
    assert number not in page.url
    expect(page.locator("#people-table")).to_contain_text(data.home_person.name)
    assert page.input_value("#id_q") == number  # kept in the form, not the address
    page.reload()
    expect(page.locator("#people-table")).to_contain_text(data.home_person.name)
    assert AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED, actor=data.community_worker).count() == 1


@pytest.mark.skipif(not SCREENSHOTS, reason="set FANGKONG_SCREENSHOTS=1 to refresh docs/img")
def test_screenshots_of_the_city_overview_and_search(transactional_db, live_server, page):
    build_registry(rich=True)
    log_in(page, live_server.url, "zhihuibu")
    page.wait_for_selector("#residents-chart canvas")
    page.wait_for_timeout(800)  # the bar animation
    shot(page, "overview.png")
    page.goto(f"{live_server.url}/places/people/")  # the search posts: no name in the URL
    page.fill("#id_q", "王")
    page.click("#person-search-form button[type=submit]")
    page.wait_for_url("**/places/people/?s=*")
    shot(page, "person-search.png")
