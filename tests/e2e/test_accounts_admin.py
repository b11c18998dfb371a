"""账号管理 in a real browser: the system administrator signs in, creates a grid worker with a grant to
their grid, resets the worker's password; the worker signs in with the temporary password, must change
it first, then works; the administrator deactivates the account and the worker can no longer sign in.
With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/accounts.md.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fangkong.accounts.models import User
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role

from ..factories import make_tree, make_user
from .test_registry import PASSWORD, ensure_districts, shot

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "灯笼-轨道-97-斑马"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) button").first.click()
    # the click does not wait for the next page: signed in (the menu), or refused on the login page
    expect(page.locator("#mainnav, .alert-danger").first).to_be_attached()


@pytest.fixture
def world(transactional_db):
    ensure_districts()
    home = make_tree()
    make_tree(grid="第二网格", building="2号楼", household="202")
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    return home, admin


def test_admin_creates_a_grid_worker_resets_their_password_and_deactivates_them(world, live_server, page):
    home, _admin = world
    base = live_server.url
    sign_in(page, base, "admin", PASSWORD)
    page.get_by_role("link", name="账号管理").first.click()
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible()
    page.get_by_role("link", name="新建账号").click()
    page.fill("#id_username", "wang_grid")
    page.fill("#id_full_name", "王网格")
    page.select_option("#id_role", Role.GRID_WORKER)
    page.select_option("#id_grants", [f"grid:{home.grid.pk}"])
    page.get_by_role("button", name="建立账号").click()
    expect(page.locator("#temporary-password")).to_be_visible()
    worker = User.objects.get(username="wang_grid")
    assert worker.role == Role.GRID_WORKER and worker.jurisdiction.covers("grid", home.grid.pk)

    # the worker forgot it before signing in: the administrator resets it and reads the new one out
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("main")).to_contain_text("已为 wang_grid 生成临时密码")  # not the creation's password
    temporary = page.locator("#temporary-password").input_value()
    shot(page, "accounts-manage-detail.png")
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", temporary)
    page.reload()
    expect(page.locator("#temporary-password")).to_have_count(0)  # shown once

    # the worker signs in with it and sets their own password first
    sign_in(page, base, "wang_grid", temporary)
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator("#temporary-password-notice")).to_be_visible()
    page.goto(base + reverse("geo:browse"))
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))  # nothing else opens before
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    expect(page.get_by_text("第一网格").first).to_be_visible()  # 我的账号 shows the grant

    # the administrator deactivates the account: the worker can no longer sign in
    sign_in(page, base, "admin", PASSWORD)
    page.goto(f"{base}/accounts/manage/")
    shot(page, "accounts-manage-list.png")
    page.goto(f"{base}/accounts/manage/?q=wang")
    page.get_by_role("link", name="wang_grid").click()
    page.get_by_role("button", name="停用账号").click()
    expect(page.get_by_text("已停用").first).to_be_visible()
    sign_in(page, base, "wang_grid", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".alert-danger")).to_be_visible()

    events = set(AuditEvent.objects.filter(object_id=str(worker.pk)).values_list("event_type", flat=True))
    assert {
        EventType.ACCOUNT_CREATED,
        EventType.ACCOUNT_PASSWORD_RESET,
        EventType.ACCOUNT_DEACTIVATED,
        EventType.PASSWORD_CHANGED,
    } <= events
