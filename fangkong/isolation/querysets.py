"""Reusable filters for the 快隔 models. Every queryset a user touches goes through .visible_to(user).

Two kinds of user reach isolation rows:
- district, street, community and grid users (offices, community workers) by the *person's* places,
  copied onto each episode — a community sees its residents wherever they are isolated, and the
  handovers coming to it;
- isolation site staff by a facility grant `facility:isolation_site` → the site's id: a site sees its
  own rooms and its own residents (and whoever is on the way to it), nothing of another site.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from fangkong.core.scoping import ScopedQuerySet, jurisdiction_of, scope_q

from .choices import EPISODE_AT_SITE, EPISODE_AWAITING, EPISODE_OPEN, HandoverStatus

SITE_GRANT = "facility:isolation_site"

SITE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id", SITE_GRANT: "id"}
THROUGH_SITE = {
    "district": "site__district_id",
    "street": "site__street_id",
    "community": "site__community_id",
    SITE_GRANT: "site_id",
}
EPISODE_SCOPE = {
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    SITE_GRANT: "site_id",
}
THROUGH_EPISODE = {
    "district": "episode__district_id",
    "street": "episode__street_id",
    "community": "episode__community_id",
    "grid": "episode__grid_id",
    SITE_GRANT: "episode__site_id",
}
# A handover is seen by the receiving places and by the site that hands over.
HANDOVER_SCOPE = {
    "district": "to_district_id",
    "street": "to_street_id",
    "community": "to_community_id",
    SITE_GRANT: "from_site_id",
}
# An inbound arrival is seen by its destination and by the entry-point site.
ARRIVAL_SCOPE = {
    "district": "destination_district_id",
    "street": "destination_street_id",
    "community": "destination_community_id",
    SITE_GRANT: "entry_site_id",
}


class SiteQuerySet(ScopedQuerySet):
    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)


class SiteChildQuerySet(ScopedQuerySet):
    """Rooms, staff, checklists and incidents: scoped through their site."""


class EpisodeQuerySet(ScopedQuerySet):
    def open(self) -> EpisodeQuerySet:
        return self.filter(status__in=EPISODE_OPEN)

    def awaiting(self) -> EpisodeQuerySet:
        """Identified, not yet in a room: the 日清日结 board."""
        return self.filter(status__in=EPISODE_AWAITING)

    def at_site(self, site_id: int | None = None) -> EpisodeQuerySet:
        """The site is responsible for them: in a room, or released and not yet handed over."""
        qs = self.filter(status__in=EPISODE_AT_SITE)
        return qs if site_id is None else qs.filter(site_id=site_id)

    def overdue(self, now: dt.datetime) -> EpisodeQuerySet:
        return self.awaiting().filter(isolate_by__lt=now)


class EpisodeChildQuerySet(ScopedQuerySet):
    """Stays, scheduled tests, release orders and home checks: scoped through their episode."""


class HandoverQuerySet(ScopedQuerySet):
    def pending(self) -> HandoverQuerySet:
        return self.filter(status=HandoverStatus.PENDING)


class ArrivalQuerySet(ScopedQuerySet):
    pass


def open_stay_q() -> Q:
    return Q(ended_at__isnull=True)


# ---- 流调 ----

# A contact (and each exposure) is seen by the contact's own places — their community isolates
# them — and by whoever sees a case it was traced from (ContactQuerySet / ContactLinkQuerySet).
CONTACT_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id", "grid": "grid_id"}
LINK_CONTACT_SCOPE = {
    "district": "contact__district_id",
    "street": "contact__street_id",
    "community": "contact__community_id",
    "grid": "contact__grid_id",
}


def _visible_cases(user: Any) -> QuerySet:
    return apps.get_model("cases", "Case").objects.visible_to(user)


class ContactQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> ContactQuerySet:
        """The contacts living in the user's places, and the contacts of the cases the user sees."""
        q = scope_q(self.model, jurisdiction_of(user))
        if q is None:
            return self
        links = apps.get_model("isolation", "ContactLink").objects.filter(case__in=_visible_cases(user))
        return self.filter(q | Q(pk__in=links.values("contact_id")))


class ContactLinkQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> ContactLinkQuerySet:
        """An exposure is seen with its case (the tracers) and with its contact (the contact's places)."""
        q = scope_q(self.model, jurisdiction_of(user))
        if q is None:
            return self
        return self.filter(q | Q(case__in=_visible_cases(user)))
