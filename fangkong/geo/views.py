"""Registry pages: browse places from the city down to a household, search people, reveal an ID.

Views only parse the request, call selectors and services, and render. Every object comes through
a scoped selector, so a place or person outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangkong.core import searches
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, user_can
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.permissions import GeoCap

from . import selectors, services
from .filters import PersonFilter
from .forms import RevealIdForm, child_filter_class
from .person_record import person_record
from .search_pages import counted_search

PERSON_TEMPLATE = "geo/person_detail.html"
LEVEL_LABELS = {
    "city": gettext_lazy("全市"),
    "district": gettext_lazy("区县"),
    "street": gettext_lazy("街道（乡镇）"),
    "community": gettext_lazy("社区（村）"),
    "compound": gettext_lazy("小区"),
    "building": gettext_lazy("楼栋"),
    "unit": gettext_lazy("单元"),
    "household": gettext_lazy("户"),
}


@login_required
def browse(request: HttpRequest, level: str = "city", pk: int | None = None) -> HttpResponse:
    """One level of the hierarchy: its counts, and its children (each with counts)."""
    place = selectors.place_get(user=request.user, level=level, pk=pk) if level != "city" else None
    child_level = selectors.LEVELS[level]["child"]
    children = selectors.place_children(user=request.user, level=level, place=place)
    filterset = child_filter_class(child_level)(request.GET, queryset=children)
    page = paginate(request, filterset.qs)
    counts = selectors.child_counts(user=request.user, level=level, children=list(page.object_list))
    rows = [(child, counts[child.pk]) for child in page.object_list]
    context: dict[str, Any] = {
        "level": level,
        "place": place,
        "child_level": child_level,
        "level_label": LEVEL_LABELS[level],
        "child_label": LEVEL_LABELS[child_level],
        "show_buildings": level in ("city", "district", "street", "community", "compound"),
        "person_filter_level": level if level in ("district", "street", "community") else None,
        "crumbs": selectors.breadcrumbs(place, level),
        "counts": selectors.place_counts(user=request.user, level=level, place=place),
        "filter": filterset,
        "page_obj": page,
        "rows": rows,
        "has_children": children.exists(),
        "grids": selectors.grid_list(user=request.user, community=place) if level == "community" else None,
        "can_import": user_can(request.user, GeoCap.IMPORT),
        "no_jurisdiction": jurisdiction_of(request.user).is_empty,
        "can_view_people": user_can(request.user, GeoCap.VIEW_PEOPLE),
        "show_vulnerable": selectors.vulnerable_shown(user=request.user, level=child_level),
    }
    return render_page(request, "geo/place.html", context, partial="children")


@need_to_know(GeoCap.VIEW_PEOPLE)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk)
    context = {
        "household": household,
        "crumbs": selectors.breadcrumbs(household, "household"),
        "members": list(selectors.household_members(user=request.user, household=household)),
    }
    return render_page(request, "geo/household.html", context)


@need_to_know(GeoCap.VIEW_PEOPLE)
@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    """One search box (name, phone, full ID or its last digits) and the shared PersonFilter.

    The form posts; the criteria are kept in the session and the results shown at ?s=<token>
    (fangkong.core.searches), so no name or number is ever in a URL or an access log. A search by
    full number (or hidden ID digits) is counted and audited first (services.number_search_check)."""
    return counted_search(request, where="geo.person_search", render=partial(_person_search_page, request))


def _person_search_page(request: HttpRequest, found: searches.Criteria, *, refused: str = "", status: int = 200) -> HttpResponse:
    everyone = selectors.person_list(user=request.user)
    filterset = PersonFilter(found.data if found.bound else None, queryset=everyone)
    valid = filterset.is_bound and filterset.is_valid() and not refused
    page = paginate(request, filterset.qs if valid else everyone.none() if refused else everyone)
    data = filterset.form.cleaned_data if valid else {}
    district = data.get("district")
    street = data.get("street")
    context = {
        "filter": filterset,
        "page_obj": page,
        "rows": page.object_list,
        "searched": any(v not in (None, "") for k, v in data.items()),
        "search": found,
        "refused": refused,
        "districts": selectors.place_children(user=request.user, level="city", place=None),
        "streets": selectors.place_children(user=request.user, level="district", place=None).filter(district_id=district)
        if district
        else None,
        "communities": selectors.place_children(user=request.user, level="street", place=None).filter(street_id=street) if street else None,
        "can_import": user_can(request.user, GeoCap.IMPORT),
    }
    response = render_page(request, "geo/person_search.html", context, partial="results")
    response.status_code = status
    return response


def _person_context(request: HttpRequest, person) -> dict[str, Any]:
    household = person.household
    others = []
    if household is not None:
        others = list(selectors.household_members(user=request.user, household=household).exclude(pk=person.pk))
    return {
        "person": person,
        "tags": list(person.tags.all()),
        "crumbs": selectors.breadcrumbs(household, "household") if household else [],
        "others": others,
        "can_reveal": user_can(request.user, GeoCap.REVEAL_ID),
        # 一人一档: the current state and every module's entries, within the viewer's need-to-know
        # (read when the page shows it, not for the reveal fragment).
        "record": SimpleLazyObject(lambda: person_record(request.user, person, everything=request.GET.get("all") == "1")),
    }


@need_to_know(GeoCap.VIEW_PEOPLE)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return render_page(request, PERSON_TEMPLATE, _person_context(request, person))


@need_to_know(GeoCap.VIEW_PEOPLE)
@require_http_methods(["GET", "POST"])
def person_reveal_id(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the reason form (never the number); POST reveals through the audited service."""
    person = selectors.person_get(user=request.user, pk=pk)
    context = _person_context(request, person)
    status = 200
    if not context["can_reveal"]:
        context |= {"reveal_state": "refused", "reveal_error": _("您的角色无权查看完整证件号")}
        return _render_status(request, context, 403)
    form = RevealIdForm(request.POST or None)
    context["reveal_state"] = "form"
    if request.method == "POST":
        if form.is_valid():
            try:
                revealed = services.person_reveal(actor=request.user, person=person, reason=form.cleaned_data["reason"])
                context["revealed_id"] = revealed.id_number
                context["revealed_birth_date"] = revealed.birth_date
                context["reveal_reason"] = form.cleaned_data["reason"]
                context["reveal_state"] = "revealed"
            except PermissionRefused as exc:
                context |= {"reveal_state": "refused", "reveal_error": exc.message}
                status = 403
            except DomainError as exc:
                form.add_error(exc.field or None, exc.message)
                status = 422
        else:
            status = 422
    context["form"] = form
    return _render_status(request, context, status)


def _render_status(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    response = render_page(request, PERSON_TEMPLATE, context, partial="reveal")
    response.status_code = status
    return response
