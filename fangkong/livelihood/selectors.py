"""Reads of 民生保障 that carry a rule: the ledger of a community (names with livelihood.details),
the totals a street or a district sees (no names), the seed's figures of work groups and pairs, the
unpaired residents, the overdue requests (for the command board: `overdue_requests(places)`), a
deliverer's requests of the day and the gate handovers a grid worker confirms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.lookups import IsNull
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import user_can
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import person_by_id_number

from .choices import EntryStatus, RequestStatus
from .models import GroupMember, LedgerCount, LedgerEntry, PairCount, Pairing, ServiceGroup, SupportRequest
from .permissions import LivelihoodCap

OPEN_STATES = (RequestStatus.OPEN,)


def _paired() -> Exists:
    return Exists(Pairing.objects.filter(entry_id=OuterRef("pk"), ended_at__isnull=True))


def _paired_each() -> IsNull:
    """Whether a listed row has a live pair, by one index probe per row. For a page of the ledger
    (500 rows of 100,000): PostgreSQL turns the Exists above into a hash of every live pairing of the
    city when it is in the SELECT list, read in full for each page."""
    first = Pairing.objects.filter(entry_id=OuterRef("pk"), ended_at__isnull=True).values("id")[:1]
    return IsNull(Subquery(first), False)


# What the ledger's lists show (the community's page, a group's unpaired): the entry's columns, the
# person's name and the compound's; nothing else is read (at 500 rows a page, building the person's
# and household's every column and timestamp cost more than the query).
LIST_FIELDS = (
    "id",
    "community_id",
    "compound_id",
    "person_id",
    "status",
    "categories",
    "needs",
    "can_order_by_phone",
    "person__id",
    "person__name",
    "compound__id",
    "compound__name",
)


def ledger_list(*, user: Any, community_id: int | None = None, unpaired: bool = False) -> QuerySet[LedgerEntry]:
    """The community's page reads it in index order (livelihood_entry_community: community, status,
    compound, id) and stops at the page's rows; only the columns the lists show (LIST_FIELDS)."""
    qs = LedgerEntry.objects.visible_to(user).filter(status=EntryStatus.ACTIVE).annotate(paired=_paired_each())
    if community_id:
        qs = qs.filter(community_id=community_id)
    if unpaired:
        qs = qs.filter(~_paired())
    return qs.select_related("person", "compound").only(*LIST_FIELDS).order_by("compound_id", "id")


def entry_get(*, user: Any, pk: int) -> LedgerEntry:
    return get_object_or_404(LedgerEntry.objects.visible_to(user).select_related("person", "person__household", "compound"), pk=pk)


def group_get(*, user: Any, pk: int) -> ServiceGroup:
    return get_object_or_404(ServiceGroup.objects.visible_to(user).select_related("compound"), pk=pk)


def request_get(*, user: Any, pk: int) -> SupportRequest:
    return get_object_or_404(
        SupportRequest.objects.visible_to(user).select_related(
            "entry", "entry__person", "entry__person__household", "member", "group", "deadline_citation"
        ),
        pk=pk,
    )


def member_pairings(entry_ids: Iterable[int]) -> dict[int, Pairing]:
    """entry id → its live pair, with the member's name (the ledger's 帮扶人 column)."""
    live = Pairing.objects.filter(entry_id__in=list(entry_ids), ended_at__isnull=True).select_related("member")
    return {p.entry_id: p for p in live.only("id", "entry_id", "member_id", "ended_at", "member__id", "member__name")}


@dataclass(frozen=True)
class PairingFigures:
    """The seed's sentence: 现有"上门服务"工作组 X 个，人员 Y 人；已建立帮扶对子 Z 对，覆盖重点人员 W 人."""

    groups: int
    members: int
    pairs: int  # members with at least one resident (一对一 or 一对多)
    one_to_one: int
    one_to_many: int
    covered: int  # ledger residents with a pair
    ledger: int  # residents on the ledger
    unpaired: int


def pairing_figures(*, user: Any, community_id: int | None = None) -> PairingFigures:
    """Figures within the user's grants (covered rows only), for a community or all of them. Seed
    003 counts 帮扶对子 (13,840) apart from the residents covered (50,176): a pair is a member with
    the residents they look after — one (一对一) or several (一对多).

    The residents and the pairs per member are read from the figures the database keeps per place
    (LedgerCount, PairCount: triggers on the ledger and the pairs, decision 0015), a few rows for a
    community whatever its ledger's size; the groups and their members are counted."""
    groups = ServiceGroup.objects.covered_by(user)
    counts, pairs = LedgerCount.objects.covered_by(user), PairCount.objects.covered_by(user)
    if community_id:
        groups = groups.filter(community_id=community_id)
        counts, pairs = counts.filter(community_id=community_id), pairs.filter(community_id=community_id)
    members = GroupMember.objects.filter(group__in=groups)
    per_member = list(pairs.values("member_id").annotate(n=Sum("live")).filter(n__gt=0).values_list("n", flat=True))
    ledger = counts.aggregate(n=Sum("active"))["n"] or 0
    covered = sum(per_member)  # one live pair per resident (livelihood_one_pair_per_resident)
    return PairingFigures(
        groups=groups.count(),
        members=members.count(),
        pairs=len(per_member),
        one_to_one=sum(1 for n in per_member if n == 1),
        one_to_many=sum(1 for n in per_member if n > 1),
        covered=covered,
        ledger=ledger,
        unpaired=ledger - covered,
    )


@dataclass(frozen=True)
class PlaceTotal:
    place_id: int
    name: str
    ledger: int
    unpaired: int
    open_requests: int
    overdue: int


def place_totals(*, user: Any, level: str, at: dt.datetime | None = None) -> list[PlaceTotal]:
    """Per community (or street, district) within the user's grants: how many on the ledger, how
    many without a pair, open and overdue requests — figures only, no names."""
    from fangkong.geo.models import Community, District, Street

    at = at or now()
    model = {"community": Community, "street": Street, "district": District}[level]
    key = f"{level}_id"
    # From the kept figures (decision 0015): residents on the ledger and those paired, per place.
    counts = LedgerCount.objects.covered_by(user).values(key).annotate(n=Sum("active")).filter(n__gt=0)
    ledger = dict(counts.values_list(key, "n"))
    covered = dict(PairCount.objects.covered_by(user).values(key).annotate(n=Sum("live")).values_list(key, "n"))
    unpaired = {pk: n - covered.get(pk, 0) for pk, n in ledger.items()}
    reqs = SupportRequest.objects.covered_by(user).filter(status__in=OPEN_STATES)
    open_ = dict(reqs.values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    overdue = dict(reqs.filter(due_at__lt=at).values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    names = dict(model.objects.filter(pk__in=list(ledger) + list(open_)).values_list("pk", "name"))
    ids = sorted(set(ledger) | set(open_), key=lambda pk: names.get(pk, ""))
    return [
        PlaceTotal(pk, names.get(pk, ""), ledger.get(pk, 0), unpaired.get(pk, 0), open_.get(pk, 0), overdue.get(pk, 0)) for pk in ids if pk
    ]


def overdue_q(at: dt.datetime) -> Q:
    return Q(status__in=OPEN_STATES, due_at__lt=at)


def overdue_requests(places: Any, *, at: dt.datetime | None = None) -> QuerySet[SupportRequest]:
    """Requests not yet delivered past their deadline, within `places` — a user (their grants) or a
    Q over district_id / street_id / community_id. For the command board; the oldest due first."""
    at = at or now()
    qs = SupportRequest.objects.filter(overdue_q(at))
    qs = qs.filter(places) if isinstance(places, Q) else qs.covered_by(places)
    return qs.order_by("due_at", "id")


def request_list(*, user: Any, community_id: int | None = None, status: str = "", overdue: bool = False) -> QuerySet[SupportRequest]:
    qs = SupportRequest.objects.visible_to(user)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(now()))
    return qs.select_related("entry__person", "member", "group").order_by("status", "due_at", "id")


def routed_to(user: Any, *, at: dt.datetime | None = None) -> QuerySet[SupportRequest]:
    """The requests of a deliverer, within their grants: open ones routed to them (their pairs) or
    to their group (no member named), and those they delivered today (Beijing day). Their phone page
    lists these (`deliverer_requests`), and they are all a deliverer without livelihood.details may
    act on (`services.requests`): one rule for the page and the writes. A request may come once per
    group membership matched — `.distinct()` it, or ask `.filter(pk=…).exists()`."""
    at = at or now()
    if not getattr(user, "is_authenticated", False):
        return SupportRequest.objects.none()
    mine = GroupMember.objects.filter(user=user)
    start = timezone.make_aware(dt.datetime.combine(timezone.localtime(at).date(), dt.time()))
    return SupportRequest.objects.visible_to(user).filter(
        (Q(status=RequestStatus.OPEN) & (Q(member__in=mine) | Q(member__isnull=True, group__members__in=mine)))
        | Q(delivered_by=user, delivered_at__gte=start)
    )


def deliverer_requests(user: Any, *, at: dt.datetime | None = None) -> list[SupportRequest]:
    """The signed-in deliverer's requests of the day (`routed_to`), with the address to bring them to."""
    return list(
        routed_to(user, at=at)
        .distinct()
        .select_related("entry__person__household__unit", "entry__person__household__building", "entry__compound")
        .order_by("status", "due_at", "id")
    )


def gate_handovers(user: Any) -> QuerySet[SupportRequest]:
    """Gate handovers waiting for a grid worker's confirmation within the user's grants. They name
    the resident, so only for a user who may see the ledger's residents (livelihood.details: the grid
    worker who confirms, the community worker); none for a deliverer without it — a volunteer finds
    the handovers they made among their own requests of the day (`routed_to`)."""
    if not user_can(user, LivelihoodCap.DETAILS):
        return SupportRequest.objects.none()
    return (
        SupportRequest.objects.visible_to(user)
        .filter(status=RequestStatus.DELIVERED, handover="gate")
        .select_related("entry__person", "entry__compound")
        .order_by("delivered_at", "id")
    )


def person_typed(raw: str, *, user: Any, where: str, community_id: int | None = None) -> Any:
    """The registered person whose ID number a user typed on a 民生 form (the ledger, a voucher,
    relief), within their places (and the community, when given); else a DomainError on id_number."""
    try:
        number = check_id_input(raw)
    except InvalidDocument as exc:
        raise DomainError(str(exc), field="id_number") from exc
    person = person_by_id_number(number, user=user, where=where)
    if person is None or (community_id is not None and person.community_id != community_id):
        message = _("本社区户籍人口中没有该证件号码") if community_id is not None else _("您管辖范围内的户籍人口中没有该证件号码")
        raise DomainError(message, field="id_number")
    return person
