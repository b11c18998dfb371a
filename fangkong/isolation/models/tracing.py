"""流调: contacts and their links to the cases (or close contacts) they were exposed to."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces

from ..choices import ContactKind, ExposureType, contact_state
from ..querysets import CONTACT_SCOPE, LINK_CONTACT_SCOPE, ContactLinkQuerySet, ContactQuerySet
from .columns import _bulk_user
from .episodes import IsolationEpisode


class Contact(PersonPlaces, TimeStampedModel):
    """密接 or 次密接: a person 流调 found exposed, isolated the same day through `episode`.

    One row per determination: a person who is a contact again while still isolated gets another
    exposure on the same row; after the isolation has ended, a new determination is a new row.
    The places (PersonPlaces) are where the contact lives — the registry's, or the community named
    when a new person was registered — and scope the row together with the cases traced."""

    person = models.ForeignKey(
        "geo.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="contact_records",
        db_constraint=False,
        db_index=False,
    )  # indexed by isolation_contact_person
    kind = models.CharField(_("判定类别"), max_length=20, choices=ContactKind.choices)
    identified_at = models.DateTimeField(_("判定时间"))
    identified_by = _bulk_user(_("判定人"))
    episode = models.OneToOneField(
        IsolationEpisode,
        verbose_name=_("隔离记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact",
        db_constraint=False,
    )
    # Turned positive: the case opened for the contact (the chain case → contact → case).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("转为病例"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )  # isolation_contact_case: only the few that turned positive
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ContactQuerySet.as_manager()
    scope_paths = CONTACT_SCOPE

    class Meta:
        ordering = ["-identified_at", "id"]
        indexes = [
            models.Index(fields=["person", "identified_at"], name="isolation_contact_person"),
            models.Index(fields=["district", "identified_at"], name="isolation_contact_district"),
            models.Index(fields=["community", "identified_at"], name="isolation_contact_community"),
            models.Index(fields=["case"], name="isolation_contact_case", condition=Q(case__isnull=False)),
        ]
        verbose_name = _("密接（次密接）")

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} {self.get_kind_display()}"

    @property
    def state(self) -> str:
        """ContactState, from the episode (load it with select_related) and the case."""
        return contact_state(self.episode.status if self.episode_id else None, turned_case=self.case_id is not None)


class ContactLink(models.Model):
    """One exposure (接触史): the contact met the case (a close contact) or, for a secondary contact,
    the close contact `via` — how, where, and when last. `case` is the case traced: for a secondary
    contact, the case whose close contact `via` is."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links", db_constraint=False)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("关联病例"), on_delete=models.PROTECT, related_name="contact_links", db_constraint=False
    )
    via = models.ForeignKey(
        Contact,
        verbose_name=_("经由密接"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secondary_links",
        db_constraint=False,
        db_index=False,
    )  # isolation_link_via: secondary contacts only
    exposure = models.CharField(_("接触方式"), max_length=16, choices=ExposureType.choices)
    place = models.CharField(_("接触地点"), max_length=200)
    last_exposure_at = models.DateTimeField(_("末次接触时间"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = _bulk_user(_("登记人"))

    objects = ContactLinkQuerySet.as_manager()
    scope_paths = LINK_CONTACT_SCOPE

    class Meta:
        ordering = ["case_id", "last_exposure_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "case"], condition=Q(via__isnull=True), name="isolation_link_once_per_case"),
            models.UniqueConstraint(fields=["contact", "via"], condition=Q(via__isnull=False), name="isolation_link_once_per_via"),
            models.CheckConstraint(condition=~Q(via=models.F("contact")), name="isolation_link_not_self"),
        ]
        indexes = [models.Index(fields=["via"], name="isolation_link_via", condition=Q(via__isnull=False))]
        verbose_name = _("接触史")

    def __str__(self) -> str:
        source = f"contact {self.via_id}" if self.via_id else f"case {self.case_id}"
        return f"{self.contact_id} ← {source}"
