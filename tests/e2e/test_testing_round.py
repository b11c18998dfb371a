"""快检 in a real browser: a sampler fills a 10-in-1 tube (one person typed, the household picked),
the lab receives it and uploads a result file with the tube positive, and the grid worker sees the
ten door-to-door re-sampling tasks. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots
used in docs/user-guide/testing.md.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.crypto import decrypt
from fangkong.testing.models import ResamplingTask, Tube

from ..testing.conftest import setup  # noqa: F401  (the 快检 fixture, shared)
from ..testing.factories import csv_bytes
from .test_registry import ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def round_setup(transactional_db, request):
    ensure_districts()
    return request.getfixturevalue("setup")


def test_sampler_fills_a_pool_lab_reports_it_positive_grid_worker_sees_ten_tasks(round_setup, users, live_server, page, tmp_path):
    s, base = round_setup, live_server.url
    first, second = s.ten[0], s.ten[2]  # one of the two-person household, one of the eight-person household

    # The sampler (community worker) opens a 10-in-1 tube and fills it: typed IDs, household members picked.
    log_in(page, base, "community")
    page.goto(f"{base}/testing/rounds/{s.round.pk}/sampling/")
    page.select_option("#id_pooling_mode", "pooled_10")
    page.fill("input[name=barcode]", "E2E-0001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tubes/E2E-0001/$"))
    expect(page.locator("main")).to_contain_text("0 / 10")
    for person, after_pick in ((first, "2 / 10"), (second, None)):
        page.fill("#id_id_number", decrypt(person.id_cipher))
        page.keyboard.press("Enter")
        pick = page.get_by_role("button", name=re.compile("加入所选同户成员"))
        expect(pick).to_be_visible()
        if person is first:
            shot(page, "testing-sampling-tube.png")
        pick.click()
        if after_pick:
            expect(page.locator("main")).to_contain_text(after_pick)
    # Ten people: the tube closed by itself and the sampler is back at the barcode box.
    page.wait_for_url(re.compile(r".*/sampling/.*"))
    expect(page.locator("input[name=barcode]")).to_be_visible()
    tube = Tube.objects.get(round=s.round, barcode="E2E-0001")
    assert (tube.member_count, tube.status) == (10, "closed")

    # The lab receives the tube and uploads its result: positive.
    page.context.clear_cookies()
    log_in(page, base, "lab")
    page.goto(f"{base}/testing/rounds/{s.round.pk}/lab/")
    page.fill("#id_barcodes", "E2E-0001")
    page.get_by_role("button", name=re.compile("确认接收")).click()
    expect(page.locator("#receive-box")).to_contain_text("1")
    now = (timezone.localtime() + dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")  # lab files have minutes only
    result_file = tmp_path / "result.csv"
    result_file.write_bytes(csv_bytes([("E2E-0001", "阳性", 28.5, 30.1, now)]))
    page.set_input_files("#upload-form input[type=file]", str(result_file))
    page.locator("#upload-form button[type=submit], #upload-form button").first.click()
    expect(page.locator("main")).to_contain_text("已完成")
    shot(page, "testing-lab-upload.png")
    assert ResamplingTask.objects.filter(origin_tube=tube).count() == 10

    # The grid worker sees the ten re-sampling tasks of their grid.
    page.context.clear_cookies()
    log_in(page, base, "grid")
    page.goto(f"{base}/testing/rounds/{s.round.pk}/resampling/")
    for person in s.ten:
        expect(page.locator("main")).to_contain_text(person.name)
    expect(page.locator("main")).to_contain_text("E2E-0001")
    shot(page, "testing-resampling-tasks.png")
    assert not any(p.name in page.locator("main").inner_text() for p in s.other_grid)


def test_grid_worker_opens_a_household_and_records_the_visit(round_setup, users, live_server, page):
    """敲门行动 in the browser: the household's form arrives when it is opened (htmx), the visit is
    saved in place, and the household shows as checked with its sticker."""
    from fangkong.testing.models import PersonCheck

    s, base = round_setup, live_server.url
    away = s.ten[0]
    household = away.household
    log_in(page, base, "grid")
    page.goto(f"{base}/testing/rounds/{s.round.pk}/grids/{household.grid_id}/knock/")
    card = page.locator(f"#household-{household.pk}")
    expect(card.locator(f"[name='h{household.pk}-sticker']")).to_have_count(0)  # not rendered up front
    card.locator("summary").click()
    outcome = card.locator(f"[name='h{household.pk}-outcome_{away.pk}']")
    expect(outcome).to_be_visible()
    outcome.select_option("away")
    card.locator(f"[name='h{household.pk}-whereabouts_{away.pk}']").fill("北京")
    card.get_by_role("button", name=re.compile("保存核查")).click()
    card = page.locator(f"#household-{household.pk}")
    expect(card).to_contain_text("核查已保存")
    expect(card.locator("[data-sticker=posted]")).to_be_visible()
    check = PersonCheck.objects.get(round=s.round, person=away)
    assert (check.outcome, check.whereabouts) == ("away", "北京")
