"""Reusable filters for the 快转 models. Every queryset a user touches goes through .visible_to(user).

Places: a district, street or community office sees the cases of the people of its places (the ids
copied onto each row at confirmation). Facilities: hospital staff hold a grant
`level=facility, facility_kind=treatment, place_id=<TreatmentFacility id>` and see the patients of
their facility — those it admitted or reported, and those on their way to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import Q

from fangkong.core.scoping import ScopedQuerySet, jurisdiction_of, scope_q

TREATMENT_GRANT = "facility:treatment"


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        j = jurisdiction_of(user)
        q = scope_q(self.model, j)
        if q is None:
            return self
        facilities = j.covered.get(TREATMENT_GRANT)
        if facilities:
            from .choices import TRANSFER_IN_FLIGHT

            transfer = apps.get_model("cases", "Transfer")
            incoming = transfer.objects.filter(assigned_facility_id__in=sorted(facilities), status__in=TRANSFER_IN_FLIGHT)
            q |= Q(pk__in=incoming.values("case_id")) | Q(reporting_facility_id__in=sorted(facilities))
        return self.filter(q)

    def active(self) -> CaseQuerySet:
        from .choices import CASE_ACTIVE

        return self.filter(status__in=CASE_ACTIVE)


class CaseChildQuerySet(ScopedQuerySet):
    """Rows that belong to a case (tests, classifications, discharges): scoped through the case."""


class TransferQuerySet(ScopedQuerySet):
    def in_flight(self) -> TransferQuerySet:
        from .choices import TRANSFER_IN_FLIGHT

        return self.filter(status__in=TRANSFER_IN_FLIGHT)

    def overdue(self, now: dt.datetime) -> TransferQuerySet:
        """On the board past their deadline (当日转运 not met)."""
        return self.in_flight().filter(deadline_at__lt=now)


class FacilityQuerySet(ScopedQuerySet):
    """Treatment facilities are city resources, not personal data: anyone with a jurisdiction sees
    them all (a district dispatcher sends patients to any district's hospital)."""

    def visible_to(self, user: Any) -> FacilityQuerySet:
        return self.none() if jurisdiction_of(user).is_empty else self

    def covered_by(self, user: Any) -> FacilityQuerySet:
        return self.visible_to(user)

    def managed_by(self, user: Any) -> FacilityQuerySet:
        """Facilities whose beds the user may set: the whole city, or their own facility's."""
        j = jurisdiction_of(user)
        if j.city:
            return self
        ids = j.covered.get(TREATMENT_GRANT)
        return self.filter(**{self._facility_path: sorted(ids)}) if ids else self.none()

    @property
    def _facility_path(self) -> str:
        return "id__in" if self.model._meta.model_name == "treatmentfacility" else "facility_id__in"


class MonitoringQuerySet(ScopedQuerySet):
    pass
