"""A page that shows an object with the forms that act on it, and the answer to one of those forms
posted: the shape many detail pages share (a resident's entry, a work group, a request …).

    ENTRY = FormsPage("livelihood/entry.html", entry_context, visit_form=lambda ctx: VisitForm())

    def entry_detail(request, pk):
        return ENTRY.show(request, entry_get(pk))

    def visit_create(request, pk):
        entry = entry_get(pk)

        def act(data):
            visit_record(actor=request.user, entry=entry, **data)
            return redirect(...)

        return ENTRY.post(request, entry, "visit_form", VisitForm(request.POST), act)

`post` runs `act` on a valid form through `core.actions.refused_on` (a permission refusal is a 403,
any other goes on the form's field) and otherwise shows the page again, 422, with the posted form in
place of its blank one — so the view keeps only what is its own: which object, which service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .actions import refused_on

Context = Callable[[HttpRequest, Any], dict[str, Any]]
Blank = Callable[[dict[str, Any]], Any]  # from the page's context (its object, its choices) to a blank form


class FormsPage:
    def __init__(self, template: str, context: Context, **forms: Blank) -> None:
        self.template = template
        self.context = context
        self.forms = forms  # the context name of each form → how to make it blank from the page's context

    def show(self, request: HttpRequest, obj: Any, *, status: int = 200, **bound: Any) -> HttpResponse:
        ctx = self.context(request, obj)
        for name, blank in self.forms.items():
            ctx[name] = bound.get(name) or blank(ctx)
        return render(request, self.template, ctx, status=status)

    def post(
        self,
        request: HttpRequest,
        obj: Any,
        name: str,
        form: Any,
        act: Callable[[dict[str, Any]], HttpResponse],
        *,
        fields: dict[str, str] | None = None,
    ) -> HttpResponse:
        """`act(cleaned_data)` answers a valid form; an invalid or refused one shows the page again (422)."""
        if form.is_valid():
            with refused_on(form, fields=fields):
                return act(form.cleaned_data)
        return self.show(request, obj, status=422, **{name: form})
