"""What 快隔 and 流调 put on a person's record (fangkong.geo.person_record): their isolation episodes
with rooms, release, handover and home checks, and their contact links — as a contact of a case and
as the case whose contacts were traced. A fixed number of queries, whatever the history."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.timefmt import local_minutes
from fangkong.geo.person_record import Entry

from .choices import ContactKind, EpisodeStatus
from .models import Contact, ContactLink, HomeCheck, IsolationEpisode, RoomStay

_ENDED_TONE = {EpisodeStatus.COMPLETED: "success", EpisodeStatus.TURNED_POSITIVE: "danger"}


def episode_entries(user: Any, person: Any) -> Iterator[Entry]:
    """Each isolation of the person the user sees: identified, transit, check-in and room moves,
    release, handover, home isolation and its daily checks, the end."""
    episodes = list(IsolationEpisode.objects.visible_to(user).filter(person_id=person.pk).select_related("site", "community"))
    if not episodes:
        return
    stays = defaultdict(list)
    for s in RoomStay.objects.filter(episode__in=episodes).select_related("room__site").order_by("started_at", "id"):
        stays[s.episode_id].append(s)
    checks = defaultdict(list)
    for c in HomeCheck.objects.filter(episode__in=episodes).order_by("date"):
        checks[c.episode_id].append(c)
    for e in episodes:
        link = reverse("isolation:episode_detail", args=[e.pk])
        site = e.site.name if e.site_id else ""

        why = _("%(kind)s；%(source)s；应于 %(by)s 前隔离") % {
            "kind": e.get_kind_display(),
            "source": e.source or "—",
            "by": local_minutes(e.isolate_by),
        }
        yield from _maybe(link, e.identified_at, "isolation_identified", _("判定需隔离"), why, "warning")
        yield from _maybe(link, e.transit_started_at, "isolation_transit", _("转运隔离"), site, order=1)
        regimen = _("集中隔离 %(c)s 天 + 居家 %(h)s 天") % {"c": e.central_days or 0, "h": e.home_days or 0} if e.regimen_started_at else ""
        rooms = [(s.started_at, f"{s.room.site.name} {s.room.number}") for s in stays.get(e.pk, [])] or [(e.checked_in_at, site)]
        for i, (started, where) in enumerate(rooms):
            kind, label = ("checked_in", _("入住隔离点")) if i == 0 else ("room_moved", _("调换房间"))
            with_regimen = i == 0 and started is not None and started == e.regimen_started_at  # the regimen starts at check-in
            yield from _maybe(link, started, kind, label, "；".join(filter(None, [where, regimen if with_regimen else ""])), order=2)
        if e.regimen_started_at != e.checked_in_at:
            yield from _maybe(link, e.regimen_started_at, "regimen_started", _("隔离起始"), regimen, order=3)
        yield from _maybe(link, e.released_at, "released", _("解除集中隔离"), site, "success", order=4)
        yield from _maybe(link, e.handed_over_at, "handed_over", _("交接社区"), e.community.name if e.community_id else "", order=5)
        yield from _maybe(link, e.home_started_at, "home_started", _("开始居家隔离"), order=6)
        for c in checks.get(e.pk, []):
            state = _("在家") if c.at_home else _("不在家")
            temperature = _("，体温 %(t)s℃") % {"t": c.temperature} if c.temperature is not None else ""
            symptoms = _("，有症状") if c.symptoms else ""
            tone = "" if c.at_home else "warning"
            yield from _maybe(link, c.checked_at, "home_check", _("居家隔离核查"), f"{state}{temperature}{symptoms}", tone, 7)
        if e.status in (EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED):
            detail = "；".join(filter(None, [e.get_status_display(), e.end_reason]))
            yield from _maybe(link, e.ended_at, "isolation_ended", _("隔离结束"), detail, _ENDED_TONE.get(e.status, ""), 8)


def _maybe(link: str, at: Any, kind: str, label: str, detail: str = "", tone: str = "", order: int = 0) -> Iterator[Entry]:
    """The entry, if it happened (has a time)."""
    if at is not None:
        yield Entry(at, kind, label, detail, link=link, tone=tone, order=order)


def contact_entries(user: Any, person: Any) -> Iterator[Entry]:
    """The person as a contact (each determination with the cases or contacts it came through) and
    as a case (the contacts traced, counted per case)."""
    contacts = list(Contact.objects.visible_to(user).filter(person_id=person.pk))
    links = defaultdict(list)
    for link in (
        ContactLink.objects.visible_to(user)
        .filter(contact__in=contacts)
        .select_related("case__person", "via__person")
        .order_by("last_exposure_at", "id")
    ):
        links[link.contact_id].append(link)
    for c in contacts:
        ways = [
            _("%(who)s；%(how)s，%(where)s，末次接触 %(last)s")
            % {
                "who": _via(link),
                "how": link.get_exposure_display(),
                "where": link.place,
                "last": local_minutes(link.last_exposure_at),
            }
            for link in links.get(c.pk, [])
        ]
        label = _("判定为%(kind)s") % {"kind": c.get_kind_display()}
        page = reverse("isolation:contact_detail", args=[c.pk])
        yield Entry(c.identified_at, "contact", label, "；".join(ways), link=page, tone="warning")
    traced: dict[int, Counter] = defaultdict(Counter)
    first: dict[int, Any] = {}
    for case_id, kind, created in (
        ContactLink.objects.visible_to(user)
        .filter(case__person_id=person.pk)
        .values_list("case_id", "contact__kind", "created_at")
        .order_by("created_at")
    ):
        traced[case_id][kind] += 1
        first.setdefault(case_id, created)
    for case_id, counts in traced.items():
        detail = _("病例 #%(n)s：密接 %(close)s 人，次密接 %(secondary)s 人") % {
            "n": case_id,
            "close": counts[ContactKind.CLOSE_CONTACT],
            "secondary": counts[ContactKind.SECONDARY_CONTACT],
        }
        yield Entry(first[case_id], "contacts_traced", _("流调登记密接"), detail, link=reverse("isolation:trace_case", args=[case_id]))


def _via(link: ContactLink) -> str:
    if link.via_id:
        return _("经由密接 %(name)s（病例 #%(n)s）") % {"name": link.via.person.name, "n": link.case_id}
    return _("病例 #%(n)s %(name)s") % {"n": link.case_id, "name": link.case.person.name}
