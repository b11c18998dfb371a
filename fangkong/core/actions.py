"""One way for a page to run a service call on a form's behalf and answer its refusal.

    with refused_on(form, fields={"at": "identified_at"}):
        episode = services.episode_open(...)
        messages.success(request, ...)
        return redirect(...)
    return render(request, template, {"form": form}, status=422)

A refusal for lack of permission or scope (`PermissionRefused`) is a 403 with its message (the
site's 403 page shows it); any other `DomainError` goes on the form next to the field it names
(`RefusalForm.refuse`, which keeps the refusal for its 依据) and the block is left, so the view goes
on to answer with the form. The API maps the same refusals in `core.api.domain_exception_handler`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied

from .errors import DomainError, PermissionRefused


def refuse(form: Any, exc: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """Answer a service's refusal: 403 when it is about permission or scope, else on the form."""
    if isinstance(exc, PermissionRefused):
        raise PermissionDenied(exc.message) from exc
    if hasattr(form, "refuse"):
        form.refuse(exc, fields=fields)
    else:
        name = (fields or {}).get(exc.field, exc.field)
        form.add_error(name if name in form.fields else None, exc.message)


@contextmanager
def refused_on(form: Any, *, fields: dict[str, str] | None = None) -> Iterator[None]:
    """Run the block; a refusal goes to `refuse` and the block is left (nothing after the call runs)."""
    try:
        yield
    except DomainError as exc:
        refuse(form, exc, fields=fields)
