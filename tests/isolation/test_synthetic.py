"""The synthetic 快隔 picture: sites with rooms and staff, people at every stage of the loop through
the services (times in the past), a pending handover for the demo community, checklists with gaps,
incidents — and the demo accounts that see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import Grant, GrantLevel, User
from fangkong.audit.models import AuditEvent
from fangkong.cases.models import Case
from fangkong.cases.synthetic import cases_generate
from fangkong.core.errors import DomainError
from fangkong.geo.models import Community
from fangkong.geo.synthetic import city_generate
from fangkong.isolation import selectors
from fangkong.isolation.choices import EpisodeStatus, ExposureType
from fangkong.isolation.models import (
    Contact,
    Handover,
    HomeCheck,
    InboundArrival,
    IsolationEpisode,
    IsolationSite,
    SiteDailyChecklist,
    SiteIncident,
)
from fangkong.isolation.synthetic import SITES, isolation_generate
from fangkong.isolation.tracing.selectors import cluster_graph, trace_sheet
from fangkong.policy.regimen import local_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]  # demo data "earlier today"

STAGES = {
    EpisodeStatus.AWAITING_TRANSFER,
    EpisodeStatus.IN_TRANSIT,
    EpisodeStatus.CHECKED_IN,
    EpisodeStatus.RELEASED_PENDING_HANDOVER,
    EpisodeStatus.HANDED_OVER,
    EpisodeStatus.HOME_ISOLATION,
    EpisodeStatus.COMPLETED,
    EpisodeStatus.TURNED_POSITIVE,
}


@pytest.fixture
def demo_city():
    city_generate(actor=None, people=1500, seed=7)


def test_every_stage_of_the_loop_through_the_services(demo_city):
    stats = isolation_generate(seed=2022)
    assert stats.sites == 4 and set(IsolationSite.objects.values_list("name", flat=True)) == {s.name for s in SITES}
    assert stats.rooms == 120 and stats.staff == 28
    assert set(stats.episodes) == STAGES
    assert stats.overdue == 1 and stats.arrivals == 4 and stats.pending_handovers == 4
    assert stats.checklists_with_gaps == 2 and stats.incidents == 2 and stats.incidents_open == 1
    now = timezone.now()
    # everything is in the past
    assert not IsolationEpisode.objects.filter(identified_at__gt=now).exists()
    assert not IsolationEpisode.objects.filter(checked_in_at__gt=now).exists()
    assert not HomeCheck.objects.filter(checked_at__gt=now).exists()
    # the positive was handed to 快转: a case was opened
    positive = IsolationEpisode.objects.get(status=EpisodeStatus.TURNED_POSITIVE)
    assert positive.case_id is not None
    # through the services: every change is in the audit log
    assert AuditEvent.objects.filter(event_type__startswith="isolation.").count() > 100
    # the pending handovers: a family of the demo community (one double room), a resident elsewhere, and one to another city
    demo = Community.objects.get(name="迎宾南路社区", street__name="中山东路街道")
    pending = Handover.objects.filter(status="pending")
    assert pending.filter(to_community=demo).count() == 2 and pending.filter(to_community__isnull=True).count() == 1
    family = pending.filter(to_community=demo)
    assert len({h.episode.party for h in family}) == 1 and len({h.episode.stays.get().room_id for h in family}) == 1
    # checklists: the past week; today filed by the first site only, so the others show "not recorded"
    today = local_date(now)
    assert SiteDailyChecklist.objects.filter(date=today).count() <= 1
    status = selectors.checklist_status(user=User.objects.get(username="synthetic-isolation"), day=today)
    assert sum(1 for s in status if s.checklist is None) >= 3
    assert SiteIncident.objects.filter(resolved_at__isnull=True).count() == 1
    assert InboundArrival.objects.filter(destination_community__isnull=True).count() == 1


def test_the_demo_accounts_see_their_part(demo_city, client):
    isolation_generate(seed=2022)
    call_command("demo_accounts", verbosity=0)
    site = IsolationSite.objects.get(name=SITES[0].name)
    staff = User.objects.get(username="isolation")
    assert list(selectors.site_list(user=staff)) == [site]
    assert {e.site_id for e in selectors.episode_list(user=staff)} == {site.pk}
    community = User.objects.get(username="community")
    pending = list(selectors.pending_handovers(user=community))
    assert len(pending) == 2 and all(h.to_community.name == "迎宾南路社区" for h in pending)
    assert selectors.home_isolation_list(user=community).count() >= 3
    client.force_login(community)
    html = client.get(reverse("isolation:handover_list")).content.decode()
    assert "确认已接收" in html
    client.force_login(staff)
    assert client.get(reverse("isolation:day_sheet", args=[site.pk])).context["rows"]


def test_early_in_the_morning_the_story_is_set_a_day_earlier(demo_city):
    yesterday_0130 = timezone.localtime().replace(hour=1, minute=30, second=0, microsecond=0) - dt.timedelta(days=1)
    stats = isolation_generate(seed=5, now=yesterday_0130)
    assert set(stats.episodes) == STAGES
    assert not IsolationEpisode.objects.filter(identified_at__gt=yesterday_0130).exists()


def test_refuses_a_second_run_and_an_empty_registry(demo_city):
    isolation_generate(seed=2022)
    with pytest.raises(DomainError, match="已存在"):
        isolation_generate(seed=2022)
    with pytest.raises(CommandError, match="已存在"):
        call_command("make_isolation", verbosity=0)


def test_the_demo_command_adds_the_sites_once_and_grants_the_isolation_account():
    call_command("demo", "--no-serve", "--people", "500", verbosity=0)
    site = IsolationSite.objects.get(name=SITES[0].name)
    assert IsolationSite.objects.count() == 4 and IsolationEpisode.objects.exists()
    grants = set(Grant.objects.filter(user__username="isolation").values_list("level", "place_id", "facility_kind"))
    assert grants == {(GrantLevel.FACILITY, site.pk, "isolation_site")}
    episodes = IsolationEpisode.objects.count()
    call_command("demo", "--no-serve", "--people", "500", verbosity=0)  # a second run keeps them
    assert IsolationSite.objects.count() == 4 and IsolationEpisode.objects.count() == episodes


def test_needs_the_demo_city():
    with pytest.raises(DomainError, match="make_city"):
        isolation_generate()


def test_demo_contacts_are_traced_from_the_demo_cases(demo_city):
    """With 快转's demo cases, some episodes are real contacts: a case with nine (a household among
    them), one of whom turned positive, and the case opened for them has contacts of its own."""
    cases_generate(seed=2022)
    stats = isolation_generate(seed=2022)
    assert set(stats.episodes) == STAGES and stats.overdue == 1 and stats.pending_handovers == 4
    assert Contact.objects.count() >= 11 and not Contact.objects.filter(episode__isnull=True).exists()  # each with its episode
    command = User.objects.get(username="synthetic-isolation")
    index = Case.objects.annotate(n=Count("contact_links")).order_by("-n").first()
    sheet = trace_sheet(user=command, case=index)
    assert len(sheet.close) == 9
    assert sum(1 for link in sheet.close if link.exposure == ExposureType.HOUSEHOLD) == 2
    household = [link.contact.episode for link in sheet.close if link.exposure == ExposureType.HOUSEHOLD]
    assert len({e.stays.get().room_id for e in household}) == 1  # one family room
    turned = [link.contact for link in sheet.close if link.contact.case_id]
    assert len(turned) == 1 and turned[0].episode.status == EpisodeStatus.TURNED_POSITIVE
    second = trace_sheet(user=command, case=turned[0].case)
    assert {link.exposure for link in second.close} == {ExposureType.HOUSEHOLD, ExposureType.WORKPLACE}  # their household and a colleague
    assert all(link.contact.episode.status == EpisodeStatus.CHECKED_IN for link in second.close)
    graph = cluster_graph(user=command, case=index)
    assert len(graph.nodes) == 1 + 9 + len(second.close)  # the contact who turned positive is one node, with their case
    assert graph.index_case_id == index.pk
