"""The board's snapshot (docs/decisions/0013-board-snapshot.md) over the demo's small city: at every
level the figure equals its drill-down list, read from the snapshot and live, and both agree for the
command, a district and a street office; a stale, future or unfinished snapshot is not read; an
office never reads a row outside its grants from it; the closed trend days kept equal the live trend."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import Grant
from fangkong.core.board import PLACE_LEVELS, Figure
from fangkong.core.modules import registry
from fangkong.core.roles import Role
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import District, Person, Street
from fangkong.reports import board
from fangkong.reports.models import BoardSnapshot, SnapshotRow, TrendDay
from fangkong.reports.snapshot import selectors as snapshot
from fangkong.reports.snapshot.services import snapshot_build, trends_close

from ..factories import make_user
from .test_board import demo_city, walk  # noqa: F401 (the demo city fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]


@pytest.fixture
def offices(demo_city):  # noqa: F811
    district = District.objects.order_by("code").first()
    busiest = Person.objects.filter(district=district).values("street_id").annotate(n=Count("id")).order_by("-n", "street_id")[0]
    street = Street.objects.get(pk=busiest["street_id"])
    return {
        "command": make_user("snap-command", Role.COMMAND_CENTRE, [("city", None)]),
        "district": make_user("snap-district", Role.DISTRICT_OFFICE, [("district", district)]),
        "street": make_user("snap-street", Role.STREET_OFFICE, [("street", street)]),
    }


def kept_figures():
    return [(f"{s.key}.{f.key}", f) for s, fs in board.steps() for f in fs if isinstance(f, Figure) and f.snapshot]


def test_a_kept_figure_is_scoped_by_the_same_place_ids_as_its_rows():
    """Figure.snapshot's promise, checked on the models: the rows' scope paths are the figure's places."""
    now = timezone.now()
    for key, f in kept_figures():
        model = f.rows(CITY_WIDE, now).model
        paths = {level: model.scope_paths.get(level) for level in PLACE_LEVELS}
        assert paths == {level: f.places.get(level) for level in PLACE_LEVELS}, key


def test_snapshot_figures_equal_their_lists_at_every_level_and_the_live_figures(offices):
    now = timezone.now()
    snap = snapshot_build(now=now)
    assert set(snap.figures) == {k for k, _f in kept_figures()} and snap.figures
    for name, user in offices.items():
        view = snapshot.snapshot_for(user, now)
        assert view is not None and view.snapshot == snap, name
        cells = {c.key: c.value for row in board.step_rows(user=user, now=now, view=view) for c in row.cells}
        live = {c.key: c.value for row in board.step_rows(user=user, now=now) for c in row.cells}
        assert cells == live, name  # every figure and stat: the snapshot's equals the live value
        for key, f in kept_figures():
            src = board.source(f, key, view)
            assert src.kept
            assert walk(f, user, now, src=src) == cells[key] == walk(f, user, now), (name, key)
        owners = [
            (o.level, o.place_id, o.count, o.oldest, o.escalated, o.by_step) for o in board.late_by_owner(user=user, now=now, view=view)
        ]
        assert owners == [
            (o.level, o.place_id, o.count, o.oldest, o.escalated, o.by_step) for o in board.late_by_owner(user=user, now=now)
        ], name
        for hours_later in (0, 7, 13, 30):  # escalation at several moments: the grouped pick equals the live one
            at = now + dt.timedelta(hours=hours_later)
            kept = [(e.step, e.figure, e.item.pk, e.reached) for e in board.escalated_to(user=user, now=at, view=view)]
            live = [
                (e.step, e.figure, e.item.pk, e.reached)
                for e in board.escalated_to(user=user, now=at, rows=board.late_rows(user=user, now=now))
            ]
            assert kept == live, (name, hours_later)
        late = board.late_rows(user=user, now=now, view=view)
        assert sorted((r.step, r.figure, r.pk) for r in late) == sorted(
            (r.step, r.figure, r.pk) for r in board.late_rows(user=user, now=now)
        )
        assert any(cells[k] for k, _f in kept_figures()), name


def test_a_row_changed_after_the_snapshot_is_still_listed(offices):
    now = timezone.now()
    snap = snapshot_build(now=now)
    view = snapshot.snapshot_for(offices["command"], now)
    key, figure = next((k, f) for k, f in kept_figures() if view.rows(k).exists())
    row = view.rows(key).order_by("deadline", "item_id").first()
    SnapshotRow.objects.filter(snapshot=snap, figure=key, item_id=row.item_id).update(item_id=10**12)  # gone from the module
    total, items = board.figure_items(
        figure, user=offices["command"], now=now, level="city", place_id=None, src=board.source(figure, key, view)
    )
    assert total == len(items) == view.rows(key).count()
    assert any(i.pk == 10**12 and i.url == "" for i in items)


def test_a_stale_future_or_unfinished_snapshot_is_not_read(client, offices):
    now = timezone.now()
    snap = snapshot_build(now=now)
    user = offices["district"]
    assert snapshot.snapshot_for(user, now) is not None
    assert snapshot.snapshot_for(user, now + snapshot.STALE_AFTER + dt.timedelta(seconds=1)) is None  # stale
    assert snapshot.snapshot_for(user, now - dt.timedelta(seconds=1)) is None  # taken after the time asked
    BoardSnapshot.objects.filter(pk=snap.pk).update(complete=False)
    assert snapshot.snapshot_for(user, now) is None
    BoardSnapshot.objects.filter(pk=snap.pk).update(complete=True)
    client.force_login(user)
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        fresh = client.get(reverse("reports:board")).content.decode()
    with time_machine.travel(now + snapshot.STALE_AFTER + dt.timedelta(minutes=1), tick=False):
        stale = client.get(reverse("reports:board")).content.decode()
    assert "data-as-of" in fresh and "data-as-of" not in stale
    # the stale board is the live one: the same figures as a live drawing
    assert 'data-figure="cases.transfers_overdue"' in stale


def test_only_the_offices_with_place_grants_read_the_snapshot(offices):
    now = timezone.now()
    snapshot_build(now=now)
    worker = make_user("snap-community", Role.COMMUNITY_WORKER, [("community", board.geo.LEVELS["community"]["model"].objects.first())])
    assert snapshot.snapshot_for(worker, now) is None
    mixed = offices["district"]
    Grant.objects.create(user=mixed, level="facility", place_id=1, facility_kind="laboratory")
    mixed.refresh_from_db()
    assert snapshot.snapshot_for(mixed, now) is None  # a laboratory's grant reaches rows by another path


def test_attack_a_district_reads_no_other_district_from_the_snapshot(client, offices):
    """Scoping: the snapshot holds the whole city; a district office asking it for the city, another
    district, or a pinned snapshot (`at`) gets only its own district's rows."""
    now = timezone.now()
    snap = snapshot_build(now=now)
    user = offices["district"]
    home = user.jurisdiction.covered["district"]
    view = snapshot.snapshot_for(user, now)
    city_rows = SnapshotRow.objects.filter(snapshot=snap).exclude(district_id__in=home)
    assert city_rows.exists()  # the snapshot does hold other districts' rows
    assert not view.rows().exclude(district_id__in=home).exists()
    other = District.objects.exclude(pk__in=home).order_by("code").first()
    client.force_login(user)
    url = reverse("reports:board_drill")
    with time_machine.travel(now + dt.timedelta(seconds=5), tick=False):
        assert client.get(url, {"figure": "zoning.in_force", "level": "district", "place": other.pk, "at": snap.pk}).status_code == 404
        for key, _f in kept_figures():
            page = client.get(url, {"figure": key, "level": "city", "list": "1", "at": snap.pk})
            assert page.status_code == 200
            theirs = SnapshotRow.objects.filter(snapshot=snap, figure=key).exclude(district_id__in=home).values_list("item_id", flat=True)
            shown = {i["item"].pk for i in page.context["items"]}
            assert not shown & set(theirs), key
            assert page.context["total"] == view.rows(key).count(), key
        board_html = client.get(reverse("reports:board")).content.decode()
    assert other.name not in board_html.split('id="board-owners"')[0]


def test_closed_trend_days_kept_equal_the_live_trend(offices):
    now = timezone.now()
    snapshot_build(now=now)
    assert trends_close(now=now, force=True) > 0
    for name, user in offices.items():
        for step in registry.board_steps():
            if not step.closed_days:
                continue
            j = snapshot.place_grants(user)
            assert snapshot.kept_trend_days(j, step.key, board.trend_days(board.local_date(now))[:-1]) is not None, (name, step.key)
            live = board.import_string(step.trend)(user, board.local_date(now))
            kept = board.trend(step, user=user, now=now)  # the closed days kept, today live
            assert kept.days == live.days and kept.series == live.series, (name, step.key)
            view = snapshot.snapshot_for(user, now)
            kept = board.trend(step, user=user, now=now, view=view)  # and today from the snapshot
            assert kept.days == live.days and kept.series == live.series, (name, step.key)
    assert trends_close(now=now, force=True) == 0  # nothing left to keep
    TrendDay.objects.all().delete()
    step = next(s for s in registry.board_steps() if s.closed_days)
    assert (
        board.trend(step, user=offices["command"], now=now).series
        == board.import_string(step.trend)(offices["command"], board.local_date(now)).series
    )
