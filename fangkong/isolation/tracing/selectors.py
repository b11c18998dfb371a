"""Reads with rules for 流调: a case's contacts, a contact's exposures and isolation, the person
look-up by full ID number, and the transmission chains of a cluster as a graph.

Lists and single objects go through the user's scope (outside → 404). A contact is seen where the
contact lives and by whoever sees a case it was traced from. The cluster graph follows the chains
through the whole city (a chain does not stop at a district boundary) but names only the people the
user sees: anyone else is a node without name, ID or link.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.cases.lookups import case_facts, cases_of_people, cases_visible_to, visible_case_ids
from fangkong.geo.models import Person
from fangkong.policy.regimen import LOCAL_TZ

from ..choices import EPISODE_AWAITING, ContactKind, ContactState, EpisodeKind, ExposureType, contact_state
from ..delays import delay_by_district
from ..models import Contact, ContactLink
from .services import IsolatedSince, case_isolated_since

if TYPE_CHECKING:  # 快转's model names the type; its rows are read through cases.lookups
    from fangkong.cases.models import Case

# ---- the person look-up ----


def traced_people(*, user: Any) -> QuerySet[Person]:
    """The people the user traces: the contacts of the cases they see (a tracer looks them up by
    number even when they live in another district)."""
    return Person.objects.filter(pk__in=Contact.objects.filter(links__case__in=cases_visible_to(user)).values("person_id"))


# ---- cases and their contacts ----


def tracing_case_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    """The cases the user sees, newest first, with how many close and secondary contacts are recorded."""
    filters = filters or {}
    qs = cases_visible_to(user).select_related("person", "district")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        qs = qs.filter(person__in=Person.objects.search(filters["q"]))
    return qs.annotate(
        close_contacts=Count("contact_links", filter=Q(contact_links__via__isnull=True), distinct=True),
        secondary_contacts=Count("contact_links", filter=Q(contact_links__via__isnull=False), distinct=True),
    ).order_by("-confirmed_at", "-id")


def case_for_tracing(*, user: Any, pk: int) -> Case:
    return get_object_or_404(cases_visible_to(user).select_related("person", "district", "community", "facility"), pk=pk)


@dataclass
class TraceSheet:
    """A case's 流调: its close contacts (each with their secondary contacts) and where they stand."""

    case: Case
    isolated_since: IsolatedSince | None
    close: list[ContactLink]
    secondary: dict[int, list[ContactLink]]  # by the close contact (via)
    states: Counter = field(default_factory=Counter)

    @property
    def contacts(self) -> int:
        return len(self.close) + sum(len(v) for v in self.secondary.values())

    @property
    def state_counts(self) -> list[tuple[str, int]]:
        """(ContactState, n) in the states' order (a template cannot iterate a Counter's items)."""
        return [(state, self.states[state]) for state in ContactState.values if self.states.get(state)]

    @property
    def rows(self) -> list[tuple[ContactLink, list[ContactLink]]]:
        """Each close contact with their secondary contacts (for the table)."""
        return [(link, self.secondary.get(link.contact_id, [])) for link in self.close]


def _link_qs() -> QuerySet[ContactLink]:
    return ContactLink.objects.select_related(
        "contact__person", "contact__episode__site", "contact__community", "via__person", "case__person", "created_by"
    )


def trace_sheet(*, user: Any, case: Case) -> TraceSheet:
    case = case_for_tracing(user=user, pk=case.pk)
    links = list(_link_qs().filter(case=case).order_by("last_exposure_at", "id"))
    close = [link for link in links if link.via_id is None]
    secondary: dict[int, list[ContactLink]] = defaultdict(list)
    for link in links:
        if link.via_id is not None:
            secondary[link.via_id].append(link)
    states = Counter(link.contact.state for link in links)
    return TraceSheet(case=case, isolated_since=case_isolated_since(case), close=close, secondary=dict(secondary), states=states)


def contact_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Contact]:
    filters = filters or {}
    qs = Contact.objects.visible_to(user).select_related("person", "episode", "community")
    for key in ("kind", "district_id", "community_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-identified_at", "-id")


def contact_get(*, user: Any, pk: int) -> Contact:
    qs = Contact.objects.visible_to(user).select_related(
        "person", "episode__site", "episode__isolate_by_citation", "community", "district", "case", "identified_by"
    )
    return get_object_or_404(qs, pk=pk)


@dataclass
class ContactDetail:
    contact: Contact
    links: list[ContactLink]  # the exposures that made them a contact (to cases, or to close contacts)
    secondary: list[ContactLink]  # their own contacts (secondary contacts), where traced
    isolated_since: IsolatedSince | None
    cases: list[Case]  # the cases they were traced from


def contact_detail(*, user: Any, pk: int) -> ContactDetail:
    from .services import contact_isolated_since

    contact = contact_get(user=user, pk=pk)
    links = list(_link_qs().filter(contact=contact).order_by("last_exposure_at", "id"))
    secondary = list(_link_qs().filter(via=contact).order_by("last_exposure_at", "id"))
    visible_cases = visible_case_ids(user, {link.case_id for link in links})
    cases = list({link.case_id: link.case for link in links if link.case_id in visible_cases}.values())
    return ContactDetail(contact, links, secondary, contact_isolated_since(contact), cases)


def root_link(contact: Contact) -> ContactLink | None:
    """The close contact's first exposure to a case (the case their secondary contacts are traced under)."""
    return contact.links.filter(via__isnull=True).select_related("case").order_by("created_at", "id").first()


# ---- the cluster graph (传播链) ----

CASE_NODE = "case"
# The legend, in order: the index of each category is what the graph series refers to.
GRAPH_CATEGORIES = [
    CASE_NODE,
    ContactState.TURNED_POSITIVE,
    ContactState.AWAITING,
    ContactState.ISOLATED,
    ContactState.RELEASED,
    ContactState.CANCELLED,
]
MAX_CLUSTER_PEOPLE = 5000
GRAPH_COLOURS = {
    CASE_NODE: "#8b1a1a",
    ContactState.TURNED_POSITIVE: "#dc3545",
    ContactState.AWAITING: "#f0ad00",
    ContactState.ISOLATED: "#0d6efd",
    ContactState.RELEASED: "#198754",
    ContactState.CANCELLED: "#adb5bd",
}


@dataclass
class GraphNode:
    id: str
    person_id: int
    category: str
    visible: bool
    name: str = ""
    id_masked: str = ""
    url: str = ""
    case_id: int | None = None
    contact_id: int | None = None
    generation: int = 0


@dataclass
class GraphEdge:
    source: str
    target: str
    kind: str  # close_contact / secondary_contact
    exposure: str
    last_exposure_at: dt.datetime


@dataclass
class ClusterGraph:
    root: Case
    index_case_id: int  # the earliest-confirmed case of the cluster
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = False

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(n.category for n in self.nodes)
        return {cat: c.get(cat, 0) for cat in GRAPH_CATEGORIES}

    @property
    def cases(self) -> int:
        return sum(1 for n in self.nodes if n.case_id is not None)

    def legend(self) -> list[dict[str, Any]]:
        labels, counts = self.labels(), self.counts
        return [{"key": str(c), "name": labels[c], "colour": GRAPH_COLOURS[c], "count": counts[c]} for c in GRAPH_CATEGORIES]

    def labels(self) -> dict[str, str]:
        labels = {CASE_NODE: _("病例")}
        labels.update({s.value: str(s.label) for s in ContactState})
        labels[ContactState.ISOLATED] = _("密接隔离中")
        return labels

    def echarts(self) -> dict[str, Any]:
        """The data of an ECharts graph series (categories, nodes, links), for json_script."""
        labels = self.labels()
        index = {c: i for i, c in enumerate(GRAPH_CATEGORIES)}
        exposure = dict(ExposureType.choices)
        hidden = _("辖区外人员")
        return {
            "categories": [{"name": labels[c], "key": str(c), "colour": GRAPH_COLOURS[c]} for c in GRAPH_CATEGORIES],
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name if n.visible else hidden,
                    "idMasked": n.id_masked,
                    "category": index[n.category],
                    "state": labels[n.category],
                    "url": n.url,
                    "symbolSize": 22 if n.case_id else 12,
                    "generation": n.generation,
                    "isIndex": n.case_id == self.index_case_id,
                }
                for n in self.nodes
            ],
            "links": [
                {
                    "source": e.source,
                    "target": e.target,
                    "secondary": e.kind == ContactKind.SECONDARY_CONTACT,
                    "exposure": str(exposure.get(e.exposure, e.exposure)),
                    "last": e.last_exposure_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M"),
                }
                for e in self.edges
            ],
        }


@dataclass
class _ContactRow:
    pk: int
    person_id: int
    kind: str
    case_id: int | None
    episode_status: str | None
    episode_ended_at: dt.datetime | None
    identified_at: dt.datetime


def _contact_rows(ids: set[int]) -> dict[int, _ContactRow]:
    if not ids:
        return {}
    fields = ("pk", "person_id", "kind", "case_id", "episode__status", "episode__ended_at", "identified_at")
    return {r[0]: _ContactRow(*r) for r in Contact.objects.filter(pk__in=ids).order_by().values_list(*fields)}


def _case_rows(ids: set[int]) -> dict[int, tuple[int, dt.datetime]]:
    if not ids:
        return {}
    return {pk: (facts.person_id, facts.confirmed_at) for pk, facts in case_facts(ids).items()}


def _became(contact: _ContactRow, first_exposure: dt.datetime | None, confirmed_at: dt.datetime) -> bool:
    """A case of the contact's person is theirs if confirmed after the exposure and before their
    isolation ended (a case opened elsewhere — screening, a hospital — keeps the chain too)."""
    start = first_exposure or contact.identified_at
    if confirmed_at < start - dt.timedelta(days=1):
        return False
    return contact.episode_ended_at is None or confirmed_at <= contact.episode_ended_at + dt.timedelta(days=1)


def cluster_graph(*, user: Any, case: Case) -> ClusterGraph:
    """The cluster around `case`: every case and contact reachable through exposures (case → close
    contact → secondary contact), contacts who became cases (the chain goes on through their own
    contacts), contacts linked to several cases (which joins those cases' chains), and upstream the
    contacts the case itself was. A few grouped queries per generation; the user must see `case`
    (else 404); people outside the user's scope are anonymous nodes."""
    root = case_for_tracing(user=user, pk=case.pk)
    walk = _walk(root.pk)
    nodes = _nodes(user, walk)
    edges = _edges(walk)
    cases = walk.cases
    index_case_id = min(cases.items(), key=lambda kv: (kv[1][1], kv[0]))[0]
    ordered = sorted(nodes.values(), key=lambda n: (n.generation, n.case_id is None, n.person_id))
    return ClusterGraph(root=root, index_case_id=index_case_id, nodes=ordered, edges=edges, truncated=walk.truncated)


@dataclass
class _Walk:
    """What a walk of the cluster reached: cases (person, confirmed at), contacts, exposures, the
    generation each node was reached in, and whether it stopped at MAX_CLUSTER_PEOPLE."""

    cases: dict[int, tuple[int, dt.datetime]]
    contacts: dict[int, _ContactRow]
    links: dict[int, tuple]
    generation: dict[str, int]
    truncated: bool


def _walk(root_pk: int) -> _Walk:
    """Generation by generation from the root case: exposures touching the generation, contacts who
    became cases, and upstream the contact records the new cases were."""
    cases: dict[int, tuple[int, dt.datetime]] = {}
    contacts: dict[int, _ContactRow] = {}
    links: dict[int, tuple] = {}
    generation: dict[str, int] = {}
    frontier_cases, frontier_contacts = {root_pk}, set()
    gen = 0
    truncated = False
    first_exposure: dict[int, dt.datetime] = {}
    while frontier_cases or frontier_contacts:
        if len(cases) + len(contacts) > MAX_CLUSTER_PEOPLE:
            truncated = True
            break
        new_cases = _case_rows(frontier_cases)
        new_contacts = _contact_rows(frontier_contacts)
        cases.update(new_cases)
        contacts.update(new_contacts)
        for pk in new_cases:
            generation.setdefault(f"case:{pk}", gen)
        for pk in new_contacts:
            generation.setdefault(f"contact:{pk}", gen)
        next_cases: set[int] = set()
        next_contacts: set[int] = set()
        # exposures touching this generation
        q = Q(case_id__in=new_cases) | Q(contact_id__in=new_contacts) | Q(via_id__in=new_contacts)
        rows = ContactLink.objects.filter(q).order_by().values_list("pk", "contact_id", "case_id", "via_id", "exposure", "last_exposure_at")
        for row in rows:
            pk, contact_id, case_id, via_id, _exposure, last = row
            if pk in links:
                continue
            links[pk] = row
            if first_exposure.get(contact_id) is None or last < first_exposure[contact_id]:
                first_exposure[contact_id] = last
            next_contacts.update(c for c in (contact_id, via_id) if c is not None and c not in contacts)
            if case_id not in cases:
                next_cases.add(case_id)
        # contacts who became cases (stored, or the same person's case in the window)
        for c in new_contacts.values():
            if c.case_id is not None and c.case_id not in cases:
                next_cases.add(c.case_id)
        by_person = defaultdict(list)
        for c in new_contacts.values():
            by_person[c.person_id].append(c)
        for pk, person_id, confirmed in cases_of_people(by_person):
            if pk not in cases and any(_became(c, first_exposure.get(c.pk), confirmed) for c in by_person[person_id]):
                next_cases.add(pk)
        # upstream: the contact records the new cases were
        persons = {person_id: (pk, confirmed) for pk, (person_id, confirmed) in new_cases.items()}
        upstream = Contact.objects.filter(Q(case_id__in=new_cases) | Q(person_id__in=persons)).order_by()
        fields = ("pk", "person_id", "kind", "case_id", "episode__status", "episode__ended_at", "identified_at")
        for r in upstream.values_list(*fields):
            c = _ContactRow(*r)
            if c.pk in contacts:
                continue
            if c.case_id in new_cases or _became(c, None, persons[c.person_id][1]):
                next_contacts.add(c.pk)
        frontier_cases, frontier_contacts = next_cases - set(cases), next_contacts - set(contacts)
        gen += 1
    return _Walk(cases, contacts, links, generation, truncated)


def _nodes(user: Any, walk: _Walk) -> dict[int, GraphNode]:
    """One node per person: a case or a contact (its state), named only if the user sees them."""
    cases, contacts, generation = walk.cases, walk.contacts, walk.generation
    # the case each contact's person became (for the node), and who is visible
    case_by_person: dict[int, int] = {}
    for pk, (person_id, _confirmed) in sorted(cases.items(), key=lambda kv: kv[1][1]):
        case_by_person.setdefault(person_id, pk)
    visible_cases = set(cases_visible_to(user).filter(pk__in=list(cases)).values_list("pk", flat=True))
    visible_contacts = set(Contact.objects.visible_to(user).filter(pk__in=list(contacts)).values_list("pk", flat=True))
    person_ids = {p for p, _c in cases.values()} | {c.person_id for c in contacts.values()}
    people = {
        pk: (name, masked) for pk, name, masked in Person.objects.filter(pk__in=list(person_ids)).values_list("pk", "name", "id_masked")
    }

    contact_url, case_url = reverse("isolation:contact_detail", args=[0]), reverse("isolation:trace_case", args=[0])
    nodes: dict[int, GraphNode] = {}
    contact_by_person: dict[int, _ContactRow] = {}
    for c in sorted(contacts.values(), key=lambda c: c.identified_at):
        contact_by_person.setdefault(c.person_id, c)  # the earliest determination in the cluster
    for person_id in sorted(person_ids):
        case_id = case_by_person.get(person_id)
        contact = contact_by_person.get(person_id)
        if contact is not None:
            category = contact_state(contact.episode_status, turned_case=contact.case_id is not None or case_id is not None)
        else:
            category = CASE_NODE
        visible = (case_id in visible_cases) or (contact is not None and contact.pk in visible_contacts)
        url = ""
        if contact is not None and contact.pk in visible_contacts:
            url = contact_url.replace("/0/", f"/{contact.pk}/")
        elif case_id in visible_cases:
            url = case_url.replace("/0/", f"/{case_id}/")
        gens = [generation.get(f"case:{case_id}")] if case_id else []
        if contact is not None:
            gens.append(generation.get(f"contact:{contact.pk}"))
        name, masked = people.get(person_id, ("", ""))
        nodes[person_id] = GraphNode(
            id=f"p{person_id}",
            person_id=person_id,
            category=category,
            visible=visible,
            name=name if visible else "",
            id_masked=masked if visible else "",
            url=url,
            case_id=case_id,
            contact_id=contact.pk if contact else None,
            generation=min(g for g in gens if g is not None) if any(g is not None for g in gens) else 0,
        )
    return nodes


def _edges(walk: _Walk) -> list[GraphEdge]:
    """One edge per (source, target) person: case → close contact, contact → secondary contact."""
    cases, contacts, links = walk.cases, walk.contacts, walk.links
    edges: dict[tuple[str, str], GraphEdge] = {}
    for _pk, contact_id, case_id, via_id, exposure, last in links.values():
        target = contacts.get(contact_id)
        if target is None:
            continue
        if via_id is not None:
            source_row = contacts.get(via_id)
            if source_row is None:
                continue
            source_person, kind = source_row.person_id, ContactKind.SECONDARY_CONTACT
        else:
            if case_id not in cases:
                continue
            source_person, kind = cases[case_id][0], ContactKind.CLOSE_CONTACT
        key = (f"p{source_person}", f"p{target.person_id}")
        if key[0] == key[1] or key in edges:
            continue
        edges[key] = GraphEdge(key[0], key[1], kind, exposure, last)
    return list(edges.values())


# ---- the day's figures (extends selectors.figures) ----


def _isolated_at(kind: str | None, checked_in_at: dt.datetime | None, home_started_at: dt.datetime | None) -> dt.datetime | None:
    """When a contact was isolated: check-in, or (a home-only regimen) the start of home isolation."""
    if checked_in_at is not None:
        return checked_in_at
    return home_started_at if kind == EpisodeKind.SECONDARY_CONTACT else None


OUTCOME_FIELDS = ("episode__status", "episode__kind", "episode__isolate_by", "episode__checked_in_at", "episode__home_started_at")


def isolation_outcome(
    status: str,
    kind: str,
    isolate_by: dt.datetime | None,
    checked_in_at: dt.datetime | None,
    home_started_at: dt.datetime | None,
    *,
    now: dt.datetime,
) -> str:
    """A contact's isolation as the day's figures count it: "in_time" (isolated by the deadline),
    "late", "awaiting" (not yet, still due), or "" (none of these)."""
    isolated = _isolated_at(kind, checked_in_at, home_started_at)
    if isolated is not None and isolated <= min(isolate_by or isolated, now):
        return "in_time"
    if isolated is not None and isolated <= now:
        return "late"
    return "awaiting" if status in EPISODE_AWAITING else ""


def contact_day_by_place(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[tuple]:
    """The city's contacts identified in [start, end) by their places: ("", district, street,
    community, identified, isolated in time) — contact_figures' two board figures, summable over an
    office's grants (the contacts' own places: Contact.scope_paths)."""
    parts: dict[tuple, list[int]] = {}
    day = Contact.objects.filter(identified_at__gte=start, identified_at__lt=end)
    for district, street, community, *row in day.values_list("district_id", "street_id", "community_id", *OUTCOME_FIELDS):
        counts = parts.setdefault((district, street, community), [0, 0])
        counts[0] += 1
        counts[1] += isolation_outcome(*row, now=now) == "in_time"
    return [("", *place, n, in_time) for place, (n, in_time) in parts.items()]


def contact_figures(f: Any, *, user: Any, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """Fill the 流调 part of the day's figures `f` (selectors.Figures) for [start, end): contacts
    identified (by kind); of them, isolated within the deadline, late, or still awaiting; and the
    hours from identification to isolation of the contacts isolated that day, by district."""
    contacts = Contact.objects.covered_by(user)
    day = contacts.filter(identified_at__gte=start, identified_at__lt=end)
    for kind, n in day.values_list("kind").annotate(n=Count("id")).order_by():
        f.contacts_identified[kind] = n
    for kind in ContactKind.values:
        f.contacts_identified.setdefault(kind, 0)
    for row in day.values_list(*OUTCOME_FIELDS):
        outcome = isolation_outcome(*row, now=now)
        if outcome == "in_time":
            f.contacts_isolated_in_time += 1
        elif outcome == "late":
            f.contacts_isolated_late += 1
        elif outcome == "awaiting":
            f.contacts_still_awaiting += 1
    isolated_today = contacts.filter(episode__checked_in_at__gte=start, episode__checked_in_at__lt=end)
    f.contact_delay_by_district = delay_by_district(isolated_today.values_list("district_id", "identified_at", "episode__checked_in_at"))
