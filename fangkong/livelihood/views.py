"""民生保障 pages: the overview (figures within the user's grants: no names), a community's ledger,
work groups, pairs and requests (names with livelihood.details), a resident's entry, a work group,
the requests list, and the deliverer's phone page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.permissions import need_to_know, require_page, user_can, withheld
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import person_by_id_number
from fangkong.geo.models import Community, Compound

from . import selectors
from .choices import Handover, RequestStatus
from .forms import ConfirmForm, DeliverForm, EntryEditForm, EntryForm, GroupForm, MemberForm, PairForm, RequestForm, VisitForm
from .models import GroupMember, Pairing
from .permissions import LivelihoodCap
from .services.groups import group_add, member_add, pair
from .services.ledger import entries_from_registry, entry_add, entry_update, visit_record
from .services.requests import request_add, request_confirm, request_deliver, under_control
from .vouchers import programme_list

Cap = LivelihoodCap


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
            "programmes": programme_list()[:5],
        },
    )


def _community(user: Any, pk: int) -> Community:
    return get_object_or_404(Community.objects.covered_by(user).select_related("street"), pk=pk)


def _community_page(request: HttpRequest, community: Community, *, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
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
    }
    if not hidden:
        entries = list(selectors.ledger_list(user=user, community_id=community.pk)[:500])
        pairs = selectors.member_pairings(e.pk for e in entries)
        ctx["entries"] = [(e, pairs.get(e.pk)) for e in entries]
        ctx["unpaired"] = [e for e in entries if not e.paired]
        ctx["requests"] = list(
            selectors.request_list(user=user, community_id=community.pk).filter(status__in=[RequestStatus.OPEN, RequestStatus.DELIVERED])[
                :100
            ]
        )
    if ctx["can_keep"]:
        compounds = [(c.pk, c.name) for c in Compound.objects.filter(community=community).order_by("name")]
        forms = forms or {}
        ctx["entry_form"] = forms.get("entry") or EntryForm()
        ctx["group_form"] = forms.get("group") or GroupForm(compounds=compounds)
    ctx["now"] = now()
    return render(request, "livelihood/community.html", ctx, status=status)


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    return _community_page(request, _community(request.user, pk))


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
    if form.is_valid():
        d = form.cleaned_data
        try:
            number = check_id_input(d["id_number"])
        except InvalidDocument as exc:
            form.add_error("id_number", str(exc))
        else:
            person = person_by_id_number(number, user=request.user, where="livelihood.entry")
            if person is None or person.community_id != c.pk:
                form.add_error("id_number", _("本社区户籍人口中没有该证件号码"))
            else:
                with refused_on(form, fields={"person": "id_number"}):
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
    return _community_page(request, c, forms={"entry": form}, status=422)


@login_required
@require_POST
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    c = _community(request.user, pk)
    compounds = [(x.pk, x.name) for x in Compound.objects.filter(community=c).order_by("name")]
    form = GroupForm(request.POST, compounds=compounds)
    if form.is_valid():
        compound = get_object_or_404(Compound, pk=int(form.cleaned_data["compound"]), community=c)
        with refused_on(form):
            group = group_add(actor=request.user, compound=compound, name=form.cleaned_data["name"])
            return redirect("livelihood:group_detail", pk=group.pk)
    return _community_page(request, c, forms={"group": form}, status=422)


def _entry_page(
    request: HttpRequest,
    entry: Any,
    *,
    visit_form: VisitForm | None = None,
    request_form: RequestForm | None = None,
    edit_form: EntryEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    pairing = Pairing.objects.filter(entry=entry, ended_at__isnull=True).select_related("member__group").first()
    ctx = {
        "entry": entry,
        "pairing": pairing,
        "visits": entry.visits.all()[:50],
        "requests": entry.requests.order_by("-requested_at")[:50],
        "can_keep": user_can(request.user, Cap.LEDGER),
        "controlled": under_control(entry, now()),
        "visit_form": visit_form or VisitForm(initial={"visited_at": now()}),
        "request_form": request_form or RequestForm(),
        "edit_form": edit_form
        or EntryEditForm(
            initial={
                "categories": entry.categories,
                "needs": entry.needs,
                "contact_name": entry.contact_name,
                "can_order_by_phone": entry.can_order_by_phone,
                "notes": entry.notes,
            }
        ),
    }
    return render(request, "livelihood/entry.html", ctx, status=status)


@need_to_know(Cap.DETAILS)
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(request, selectors.entry_get(user=request.user, pk=pk))


@need_to_know(Cap.DETAILS)
@require_POST
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    entry = selectors.entry_get(user=request.user, pk=pk)
    form = EntryEditForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            entry_update(actor=request.user, entry=entry, **form.cleaned_data)
            messages.success(request, _("已修改台账"))
            return redirect("livelihood:entry_detail", pk=entry.pk)
    return _entry_page(request, entry, edit_form=form, status=422)


@need_to_know(Cap.DETAILS)
@require_POST
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    entry = selectors.entry_get(user=request.user, pk=pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            visit_record(actor=request.user, entry=entry, **form.cleaned_data)
            messages.success(request, _("已记录摸排"))
            return redirect("livelihood:entry_detail", pk=entry.pk)
    return _entry_page(request, entry, visit_form=form, status=422)


@need_to_know(Cap.DETAILS)
@require_POST
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    entry = selectors.entry_get(user=request.user, pk=pk)
    form = RequestForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            req = request_add(actor=request.user, entry=entry, **form.cleaned_data)
            messages.success(
                request,
                _("已登记需求，已派给%(who)s") % {"who": req.member.name if req.member else (req.group.name if req.group else _("社区"))},
            )
            return redirect("livelihood:request_detail", pk=req.pk)
    return _entry_page(request, entry, request_form=form, status=422)


def _group_page(
    request: HttpRequest, group: Any, *, member_form: MemberForm | None = None, pair_form: PairForm | None = None, status: int = 200
) -> HttpResponse:
    members = list(GroupMember.objects.filter(group=group).order_by("id"))
    live = Pairing.objects.filter(member__group=group, ended_at__isnull=True).select_related("entry__person")
    by_member: dict[int, list[Any]] = {}
    for p in live:
        by_member.setdefault(p.member_id, []).append(p.entry)
    unpaired = list(selectors.ledger_list(user=request.user, community_id=group.community_id, unpaired=True)[:300])
    ctx = {
        "group": group,
        "members": [(m, by_member.get(m.pk, [])) for m in members],
        "can_keep": user_can(request.user, Cap.LEDGER),
        "member_form": member_form or MemberForm(),
        "pair_form": pair_form or PairForm(members=[(m.pk, str(m)) for m in members], entries=[(e.pk, e.person.name) for e in unpaired]),
        "unpaired": unpaired,
    }
    return render(request, "livelihood/group.html", ctx, status=status)


@need_to_know(Cap.DETAILS)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_page(request, selectors.group_get(user=request.user, pk=pk))


@need_to_know(Cap.DETAILS)
@require_POST
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    group = selectors.group_get(user=request.user, pk=pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            member_add(actor=request.user, group=group, **form.cleaned_data)
            return redirect("livelihood:group_detail", pk=group.pk)
    return _group_page(request, group, member_form=form, status=422)


@need_to_know(Cap.DETAILS)
@require_POST
def pair_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    group = selectors.group_get(user=request.user, pk=pk)
    members = list(GroupMember.objects.filter(group=group))
    entry_ids = [int(x) for x in request.POST.getlist("entries") if x.isdigit()]
    raw_member = request.POST.get("member", "")
    member = next((m for m in members if str(m.pk) == raw_member), None)
    # Every ledger entry the user may see is offered back, so an entry from elsewhere is refused by
    # the service (naming the field), not by the form's choices.
    entries = list(selectors.LedgerEntry.objects.visible_to(request.user).filter(pk__in=entry_ids))
    form = PairForm(request.POST, members=[(m.pk, str(m)) for m in members], entries=[(e.pk, str(e.pk)) for e in entries])
    if form.is_valid() and member is not None:
        with refused_on(form):
            made = pair(actor=request.user, member=member, entries=entries)
            messages.success(request, _("已结成帮扶对子，覆盖 %(n)s 人") % {"n": len(made)})
            return redirect("livelihood:group_detail", pk=group.pk)
    return _group_page(request, group, pair_form=form, status=422)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    hidden = withheld(request.user, Cap.DETAILS)
    qs = selectors.request_list(user=request.user, overdue=overdue)
    return render(
        request,
        "livelihood/requests.html",
        {"requests": list(qs[:300]), "count": qs.count(), "overdue": overdue, "withheld": hidden, "now": now()},
    )


def _request_page(
    request: HttpRequest, req: Any, *, deliver_form: DeliverForm | None = None, confirm_form: ConfirmForm | None = None, status: int = 200
) -> HttpResponse:
    area = under_control(req.entry, now()) if req.status == RequestStatus.OPEN else ""
    ctx = {
        "req": req,
        "controlled": area,
        "can_deliver": user_can(request.user, Cap.DELIVER),
        "deliver_form": deliver_form or DeliverForm(initial={"handover": Handover.GATE if area else Handover.HOME_DOOR}),
        "confirm_form": confirm_form or ConfirmForm(initial={"by": "grid_worker" if req.handover == Handover.GATE else "recipient"}),
        "now": now(),
    }
    return render(request, "livelihood/request.html", ctx, status=status)


@need_to_know(Cap.DETAILS)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, selectors.request_get(user=request.user, pk=pk))


@need_to_know(Cap.DELIVER)
@require_POST
def request_deliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get(user=request.user, pk=pk)
    form = DeliverForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            request_deliver(actor=request.user, request=req, **form.cleaned_data)
            messages.success(request, _("已登记送达"))
            if request.POST.get("next") == "deliveries":
                return redirect("livelihood:deliveries")
            return redirect("livelihood:request_detail", pk=req.pk)
    return _request_page(request, req, deliver_form=form, status=422)


@need_to_know(Cap.DELIVER)
@require_POST
def request_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get(user=request.user, pk=pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            request_confirm(actor=request.user, request=req, by=form.cleaned_data["by"])
            messages.success(request, _("已确认收到"))
            return redirect("livelihood:request_detail", pk=req.pk)
    return _request_page(request, req, confirm_form=form, status=422)


@need_to_know(Cap.DELIVER)
def deliveries(request: HttpRequest) -> HttpResponse:
    """The deliverer's phone page: today's requests (theirs and their group's), the address, what
    to bring, and the delivery to record; for a grid worker, the gate handovers to confirm."""
    at = now()
    rows = [
        (r, under_control(r.entry, at) if r.status == RequestStatus.OPEN else "") for r in selectors.deliverer_requests(request.user, at=at)
    ]
    return render(
        request, "livelihood/deliveries.html", {"rows": rows, "gate": list(selectors.gate_handovers(request.user)[:50]), "now": at}
    )
