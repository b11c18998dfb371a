"""Stored XSS in the transmission-chain graph (security issue, item 2).

A person imported as `"><img src=x onerror=alert(1)>` and opened as a case ran script for the
command user who hovered over their node: the graph's tooltip (ECharts renders tooltips as HTML)
built its markup from the name unescaped. Here the same people are imported through the real
import, made a case and a contact, and the command user hovers over each node in headless
Chromium: the tooltip shows the name as text, holds no element the name brought, and nothing ran
(no dialog, no window flag). The Content-Security-Policy would block the inline handler anyway;
the escaping is checked on its own (no <img> in the tooltip), so either defence missing fails.
"""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

from fangkong.geo.models import Person
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles

from ..e2e.test_cases import log_in
from ..e2e.test_registry import ensure_districts
from ..imports.conftest import HEADER, new_id, row
from ..imports.helpers import run_import
from ..isolation.conftest import profile, setup  # noqa: F401  (the 快隔 fixtures, shared)
from ..isolation.tracing_factories import add, open_case

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]

IMG = '"><img src=x onerror=alert(1)>'
SCRIPT = "<script>window.__fkXss = 1; alert(2)</script>"
HANDLER = '<svg onload="window.__fkXss = 1">'  # the exposure's place, shown on the case's trace page

# Record what an attack would do before any page script runs: a dialog, or a flag set by script.
WATCH = "window.__fkXss = 0;"


@pytest.fixture
def hostile(transactional_db, request, tmp_path, settings, users):
    """Two people imported with names that are markup, in the home community; the first is a case,
    the second and one of the family their close contacts."""
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    s = request.getfixturevalue("setup")
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "people.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerow(row(IMG, new_id(), household="901"))
        writer.writerow(row(SCRIPT, new_id(), household="902"))
    job = run_import(path)
    assert job.status == "succeeded", (job.status, job.error_count if hasattr(job, "error_count") else None)
    img, script = Person.objects.get(name=IMG), Person.objects.get(name=SCRIPT)
    case = open_case(users["command"], img)
    add(users["command"], case, script, place=HANDLER)
    add(users["command"], case, s.family[1])
    return case, img, script


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(WATCH)
    return dialogs


def _hover_node(page, person):
    """Move the mouse onto the person's node (its position on the canvas, asked of ECharts) and
    return the tooltip that opens: ECharts' tooltip is a <div> beside the canvas's own. On a busy
    machine the force layout may still be moving the node under the mouse; after a few tries the
    tooltip is asked of ECharts for that node (`showTip`), which renders it through the same
    formatter a hover does."""
    box = page.locator("#cluster-graph").bounding_box()
    tooltip = page.locator("#cluster-graph > div").filter(has_text=person.id_masked)
    for attempt in range(12):
        found = page.evaluate(
            """([name, ask]) => {
                const chart = echarts.getInstanceByDom(document.getElementById("cluster-graph"));
                const data = chart.getModel().getSeriesByIndex(0).getData();
                for (let i = 0; i < data.count(); i++) {
                    if (data.getItemModel(i).get("name") === name) {
                        if (ask) chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
                        return chart.convertToPixel({ seriesIndex: 0 }, data.getItemLayout(i));
                    }
                }
                return null;
            }""",
            [person.name, attempt >= 4],
        )
        assert found, f"no node named {person.name!r} in the graph"
        if attempt < 4:
            page.mouse.move(box["x"] + found[0], box["y"] + found[1])
        page.wait_for_timeout(400)
        if tooltip.count() and tooltip.first.is_visible():
            return tooltip.first
        page.mouse.move(box["x"] + 2, box["y"] + 2)
        page.wait_for_timeout(300)
    raise AssertionError(f"no tooltip opened over {person.name!r}")


def test_a_name_that_is_markup_shows_as_text_in_the_graph_tooltip(hostile, users, live_server, page):
    case, img, script = hostile
    dialogs = _watch(page)
    log_in(page, live_server.url, "command")
    page.goto(f"{live_server.url}/isolation/tracing/cases/{case.pk}/graph/")
    expect(page.locator("#cluster-graph canvas")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text(IMG)  # the page's own text, escaped by Django
    page.wait_for_timeout(2500)  # the force layout settles

    for person in (img, script):
        tip = _hover_node(page, person)
        expect(tip).to_contain_text(person.name)  # the name as text, "<", ">" and all
        expect(tip).to_contain_text(person.id_masked)
        assert tip.locator("img, script, svg").count() == 0, tip.inner_html()

    assert dialogs == [], dialogs
    assert page.evaluate("window.__fkXss") == 0

    # The case's trace page (an htmx page) lists the contact with their name and the exposure's place as text.
    page.goto(f"{live_server.url}/isolation/tracing/cases/{case.pk}/")
    table = page.locator("#contact-table")
    expect(table).to_contain_text(SCRIPT)
    expect(table).to_contain_text(HANDLER)
    assert table.locator("svg, script, img").count() == 0
    assert dialogs == [] and page.evaluate("window.__fkXss") == 0
