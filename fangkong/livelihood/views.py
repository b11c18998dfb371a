"""民生保障 pages: the overview (figures within the user's grants: no names), a community's ledger
(names with livelihood.details), a resident's entry and a work group, each with the forms that act
on it (core.formpages: the page shown again with the posted form when a write is refused).
Requests and deliveries: request_views.py; units' requests for supplies: supply_views.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.clock import now
from fangkong.core.formpages import FormsPage
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, require_page, user_can, withheld
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import Community, Compound
from fangkong.policy.regimen import local_date
from fangkong.volunteers import serving

from . import selectors
from .choices import RequestStatus
from .forms import DeployedMemberForm, EntryEditForm, EntryForm, GroupForm, MemberForm, PairForm, RequestForm, VisitForm
from .models import GroupMember, Pairing
from .permissions import LivelihoodCap
from .services.groups import group_add, member_add, member_from_deployment, pair
from .services.ledger import entries_from_registry, entry_add, entry_update, visit_record
from .services.requests import request_add, under_control
from .vouchers import programme_list

Cap = LivelihoodCap
LEDGER_PER_PAGE = 100  # a community's ledger, a page at a time (in compound order), counted by the kept figures
UNPAIRED_ROWS = 200


def _level(user: Any) -> str:
    """The level the overview counts by: a city-wide user by district, a district by street, a
    street or a community by community."""
    j = jurisdiction_of(user)
    if j.city:
        return "district"
    if j.covered.get("district"):
        return "street"
    return "community"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Figures only: what a street or a district sees of its communities."""
    level = _level(request.user)
    communities = list(Community.objects.covered_by(request.user).order_by("street_id", "name")[:200])
    return render(
        request,
        "livelihood/home.html",
        {
            "figures": selectors.pairing_figures(user=request.user),
            "totals": selectors.place_totals(user=request.user, level=level),
            "level": level,
            "communities": communities,
            "programmes": programme_list(user=request.user)[:5],
        },
    )


def _community(user: Any, pk: int) -> Community:
    return get_object_or_404(Community.objects.covered_by(user).select_related("street"), pk=pk)


def _community_context(request: HttpRequest, community: Community) -> dict[str, Any]:
    user = request.user
    hidden = withheld(user, Cap.DETAILS)
    ctx: dict[str, Any] = {
        "community": community,
        "figures": selectors.pairing_figures(user=user, community_id=community.pk),
        "withheld": hidden,
        "can_keep": user_can(user, Cap.LEDGER),
        "groups": selectors.ServiceGroup.objects.covered_by(user)
        .filter(community_id=community.pk)
        .select_related("compound")
        .order_by("compound__name", "name"),
        "now": now(),
    }
    if not hidden:
        page = paginate(request, selectors.ledger_list(user=user, community_id=community.pk), LEDGER_PER_PAGE, count=ctx["figures"].ledger)
        ctx["page_obj"] = page
        entries = list(page.object_list)
        pairs = selectors.member_pairings(e.pk for e in entries)
        ctx["entries"] = [(e, pairs.get(e.pk)) for e in entries]
        # The unpaired of the whole ledger (not of the rows shown), as many as the figures count;
        # none to look for when the kept figures say every resident is paired.
        unpaired = selectors.ledger_list(user=user, community_id=community.pk, unpaired=True)
        ctx["unpaired"] = list(unpaired[:UNPAIRED_ROWS]) if ctx["figures"].unpaired > 0 else []
        ctx["requests"] = list(
            selectors.request_list(user=user, community_id=community.pk).filter(status__in=[RequestStatus.OPEN, RequestStatus.DELIVERED])[
                :100
            ]
        )
    return ctx


def _compounds(community: Community) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in Compound.objects.filter(community=community).order_by("name")]


COMMUNITY = FormsPage(
    "livelihood/community.html",
    _community_context,
    entry_form=lambda ctx: EntryForm(),
    group_form=lambda ctx: GroupForm(compounds=_compounds(ctx["community"])),
)


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    return COMMUNITY.show(request, _community(request.user, pk))


@login_required
@require_POST
def ledger_from_registry(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    c = _community(request.user, pk)
    n = entries_from_registry(actor=request.user, community=c)
    messages.success(request, _("已按户籍标签新增台账 %(n)s 人") % {"n": n})
    return redirect("livelihood:community", pk=c.pk)


@login_required
@require_POST
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    c = _community(request.user, pk)
    form = EntryForm(request.POST)

    def act(d: dict[str, Any]) -> HttpResponse:
        person = selectors.person_typed(d["id_number"], user=request.user, where="livelihood.entry", community_id=c.pk)
        entry = entry_add(
            actor=request.user,
            person=person,
            categories=d["categories"],
            needs=d["needs"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            can_order_by_phone=d["can_order_by_phone"],
            notes=d["notes"],
        )
        messages.success(request, _("已登记台账"))
        return redirect("livelihood:entry_detail", pk=entry.pk)

    return COMMUNITY.post(request, c, "entry_form", form, act, fields={"person": "id_number"})


@login_required
@require_POST
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    c = _community(request.user, pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        compound = get_object_or_404(Compound, pk=int(d["compound"]), community=c)
        group = group_add(actor=request.user, compound=compound, name=d["name"])
        return redirect("livelihood:group_detail", pk=group.pk)

    return COMMUNITY.post(request, c, "group_form", GroupForm(request.POST, compounds=_compounds(c)), act)


def _entry_context(request: HttpRequest, entry: Any) -> dict[str, Any]:
    return {
        "entry": entry,
        "pairing": Pairing.objects.filter(entry=entry, ended_at__isnull=True).select_related("member__group").first(),
        "visits": entry.visits.all()[:50],
        "requests": entry.requests.order_by("-requested_at")[:50],
        "can_keep": user_can(request.user, Cap.LEDGER),
        "controlled": under_control(entry, now()),
    }


def _entry_as_edited(entry: Any) -> EntryEditForm:
    fields = ("categories", "needs", "contact_name", "can_order_by_phone", "notes")
    return EntryEditForm(initial={f: getattr(entry, f) for f in fields})


ENTRY = FormsPage(
    "livelihood/entry.html",
    _entry_context,
    visit_form=lambda ctx: VisitForm(initial={"visited_at": now()}),
    request_form=lambda ctx: RequestForm(),
    edit_form=lambda ctx: _entry_as_edited(ctx["entry"]),
)


@need_to_know(Cap.DETAILS)
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return ENTRY.show(request, selectors.entry_get(user=request.user, pk=pk))


def _kept_entry(request: HttpRequest, pk: int) -> Any:
    """A ledger entry the user may keep (livelihood.ledger) inside their grants."""
    require_page(request.user, Cap.LEDGER)
    return selectors.entry_get(user=request.user, pk=pk)


def _on_entry(request: HttpRequest, pk: int, form_name: str, form: Any, service: Any, done: str) -> HttpResponse:
    """A write on a kept entry that goes back to the entry's page: `service(actor=, entry=, **data)`."""
    entry = _kept_entry(request, pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        service(actor=request.user, entry=entry, **d)
        messages.success(request, done)
        return redirect("livelihood:entry_detail", pk=entry.pk)

    return ENTRY.post(request, entry, form_name, form, act)


@need_to_know(Cap.DETAILS)
@require_POST
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_entry(request, pk, "edit_form", EntryEditForm(request.POST), entry_update, _("已修改台账"))


@need_to_know(Cap.DETAILS)
@require_POST
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_entry(request, pk, "visit_form", VisitForm(request.POST), visit_record, _("已记录摸排"))


@need_to_know(Cap.DETAILS)
@require_POST
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _kept_entry(request, pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        req = request_add(actor=request.user, entry=entry, **d)
        who = req.member.name if req.member else (req.group.name if req.group else _("社区"))
        messages.success(request, _("已登记需求，已派给%(who)s") % {"who": who})
        return redirect("livelihood:request_detail", pk=req.pk)

    return ENTRY.post(request, entry, "request_form", RequestForm(request.POST), act)


def _group_context(request: HttpRequest, group: Any) -> dict[str, Any]:
    members = list(GroupMember.objects.filter(group=group).order_by("id"))
    by_member: dict[int, list[Any]] = {}
    for p in Pairing.objects.filter(member__group=group, ended_at__isnull=True).select_related("entry__person"):
        by_member.setdefault(p.member_id, []).append(p.entry)
    can_keep = user_can(request.user, Cap.LEDGER)
    taken = {m.deployment_id for m in members if m.deployment_id}
    deployed = (
        [
            (d.pk, f"{d.name}（{d.get_kind_display()}，{d.work_unit}）")
            for d in serving.deployments_available(user=request.user, compound_id=group.compound_id, day=local_date(now()))[:200]
            if d.pk not in taken
        ]
        if can_keep
        else []
    )
    return {
        "group": group,
        "deployed": deployed,
        "member_rows": members,
        "members": [(m, by_member.get(m.pk, [])) for m in members],
        "can_keep": can_keep,
        "unpaired": list(selectors.ledger_list(user=request.user, community_id=group.community_id, unpaired=True)[:300]),
    }


def _pair_form(ctx: dict[str, Any], data: Any = None, entries: list[tuple[int, str]] | None = None) -> PairForm:
    members = [(m.pk, str(m)) for m in ctx["member_rows"]]
    return PairForm(data, members=members, entries=entries if entries is not None else [(e.pk, e.person.name) for e in ctx["unpaired"]])


GROUP = FormsPage(
    "livelihood/group.html",
    _group_context,
    member_form=lambda ctx: MemberForm(),
    deployed_form=lambda ctx: DeployedMemberForm(deployments=ctx["deployed"]),
    pair_form=_pair_form,
)


@need_to_know(Cap.DETAILS)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return GROUP.show(request, selectors.group_get(user=request.user, pk=pk))


def _kept_group(request: HttpRequest, pk: int) -> Any:
    require_page(request.user, Cap.LEDGER)
    return selectors.group_get(user=request.user, pk=pk)


@need_to_know(Cap.DETAILS)
@require_POST
def member_deployed_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A person deployed to the group's compound joins it (the options are those available today;
    any value posted is decided by the service)."""
    group = _kept_group(request, pk)
    form = DeployedMemberForm(request.POST, deployments=[(int(v), v) for v in [request.POST.get("deployment", "")] if v.isdigit()])

    def act(d: dict[str, Any]) -> HttpResponse:
        member = member_from_deployment(actor=request.user, group=group, deployment_id=d["deployment"])
        messages.success(request, _("%(n)s 已加入工作组") % {"n": member.name})
        return redirect("livelihood:group_detail", pk=group.pk)

    return GROUP.post(request, group, "deployed_form", form, act)


@need_to_know(Cap.DETAILS)
@require_POST
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _kept_group(request, pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        member_add(actor=request.user, group=group, **d)
        return redirect("livelihood:group_detail", pk=group.pk)

    return GROUP.post(request, group, "member_form", MemberForm(request.POST), act)


@need_to_know(Cap.DETAILS)
@require_POST
def pair_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _kept_group(request, pk)
    members = {str(m.pk): m for m in GroupMember.objects.filter(group=group)}
    entry_ids = [int(x) for x in request.POST.getlist("entries") if x.isdigit()]
    # Every ledger entry the user may see is offered back, so an entry from elsewhere is refused by
    # the service (naming the field), not by the form's choices.
    entries = list(selectors.LedgerEntry.objects.visible_to(request.user).filter(pk__in=entry_ids))
    ctx = {"member_rows": list(members.values())}
    form = _pair_form(ctx, request.POST, entries=[(e.pk, str(e.pk)) for e in entries])

    def act(d: dict[str, Any]) -> HttpResponse:
        made = pair(actor=request.user, member=members[d["member"]], entries=entries)
        messages.success(request, _("已结成帮扶对子，覆盖 %(n)s 人") % {"n": len(made)})
        return redirect("livelihood:group_detail", pk=group.pk)

    return GROUP.post(request, group, "pair_form", form, act)
