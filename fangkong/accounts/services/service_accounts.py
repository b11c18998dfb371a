"""Accounts the platform's own generators act through (the synthetic city's planner, labs, sites):
active, so their grants count, and with no usable password, so nobody signs in as them."""

from __future__ import annotations

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record

from ..models import Grant, User


def service_account(
    username: str, role: str, full_name: str, *, level: str, place_id: int | None = None, kind: str = "", reason: str
) -> User:
    """The account `username` (created if missing) holding a grant at `level`/`place_id`/`kind`
    (added, and audited with `reason`, if missing). A fresh instance: its jurisdiction is read from
    the grants."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, full_name=full_name, is_active=True)
        user.set_unusable_password()
        user.save()
    if not Grant.objects.filter(user=user, level=level, place_id=place_id, facility_kind=kind).exists():
        Grant.objects.create(user=user, level=level, place_id=place_id, facility_kind=kind)
        audit_record(
            actor=None,
            event_type=EventType.GRANT_ADDED,
            obj=user,
            after={"level": level, "place_id": place_id, "facility_kind": kind, "role": role},
            reason=reason,
        )
    return User.objects.get(pk=user.pk)
