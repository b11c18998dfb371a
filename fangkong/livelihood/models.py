"""民生保障: the ledger (台账) of special-difficulty residents of a community and the 摸排 visits that
found them; the 上门服务 work groups of a compound, their members and the 帮扶对子 pairing a member
with ledger residents; the requests those residents make and their doorstep delivery; the one-off
consumption voucher (seed 003).

Every row carries its place's ancestor ids (district, street, community), so "this community's
ledger" and "this street's totals" are one indexed filter. Names stay on the registry's person; a
contact's phone is sealed, hashed and masked like a resident's."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk
from fangkong.policy.models import citation_column, cited_text

from .choices import (
    ConfirmedBy,
    EntrySource,
    EntryStatus,
    Handover,
    MemberKind,
    Need,
    RequestChannel,
    RequestKind,
    RequestStatus,
    VoucherForm,
    VoucherStatus,
)

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id", "grid": "grid_id"}
# value → lazy label, read once (the ledger's page shows 500 entries' categories and needs; an enum
# built and its .values listed per item cost ~0.3 ms an entry).
NEED_LABELS = dict(Need.choices)


@functools.cache
def _category_labels() -> dict[str, Any]:
    from fangkong.geo.choices import VulnerableTag

    return dict(VulnerableTag.choices)


class Placed(models.Model):
    """The ancestor ids of the row's place, copied from the registry (a grid worker's grant is a grid)."""

    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    grid = cached_fk("geo.Grid", _("网格"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        abstract = True


class LedgerEntry(Placed, TimeStampedModel):
    """One special-difficulty resident on their community's ledger: the categories that put them
    there (the registry's vulnerable tags), what they need, who to call, and whether they can order
    by phone themselves (those who cannot are the ones the pair must call on)."""

    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("geo.Compound", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(_("类别"), default=list)
    needs = models.JSONField(_("需求"), default=list)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone_cipher = models.TextField(blank=True)
    contact_phone_hash = models.CharField(max_length=32, blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    can_order_by_phone = models.BooleanField(_("能否电话下单"), default=True)
    source = models.CharField(_("来源"), max_length=12, choices=EntrySource.choices)
    status = models.CharField(_("状态"), max_length=8, choices=EntryStatus.choices, default=EntryStatus.ACTIVE)
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        ordering = ["community_id", "compound_id", "id"]
        constraints = [models.UniqueConstraint(fields=["person"], name="livelihood_entry_one_per_person")]
        # The community's ledger page: its rows in the page's order, read up to the page's end.
        indexes = [models.Index(fields=["community", "status", "compound", "id"], name="livelihood_entry_community")]
        verbose_name = _("台账人员")

    def __str__(self) -> str:
        return f"台账 #{self.pk}"

    @property
    def category_labels(self) -> list[str]:
        labels = _category_labels()
        return [str(labels[c]) for c in self.categories if c in labels]

    @property
    def need_labels(self) -> list[str]:
        return [str(NEED_LABELS[n]) for n in self.needs if n in NEED_LABELS]


class SurveyVisit(models.Model):
    """A door-to-door survey (摸排) visit: who went, when, what they found."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField(_("摸排时间"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visitor_name = models.CharField(_("摸排人"), max_length=64)
    findings = models.TextField(_("摸排情况"))
    needs_found = models.JSONField(_("发现需求"), default=list)

    class Meta:
        ordering = ["entry_id", "-visited_at", "-id"]
        verbose_name = _("摸排记录")

    def __str__(self) -> str:
        return f"摸排 #{self.pk}"


class ServiceGroup(Placed, TimeStampedModel):
    """A 上门服务 work group, formed per compound (小区)."""

    compound = models.ForeignKey("geo.Compound", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["community_id", "compound_id", "id"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="livelihood_group_name_unique")]
        verbose_name = _("上门服务工作组")

    def __str__(self) -> str:
        return self.name


class GroupMember(TimeStampedModel):
    """A member of a work group, entered by hand or taken from the people deployed to the group's
    compound (volunteers' Deployment: 报到党员, 包联干部, 下沉政法干警 — the deployment it came from is
    kept, at most once per group); an account linked lets them open the deliverer's phone page."""

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(_("身份"), max_length=16, choices=MemberKind.choices)
    name = models.CharField(_("姓名"), max_length=64)
    phone_cipher = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=32, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("平台账号")
    )
    deployment_id = models.BigIntegerField(null=True, blank=True)  # fangkong.volunteers.Deployment, read through its selectors

    class Meta:
        ordering = ["group_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "deployment_id"], condition=Q(deployment_id__isnull=False), name="livelihood_member_deployment_once"
            )
        ]
        verbose_name = _("工作组成员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Pairing(TimeStampedModel):
    """A 帮扶对子: a group member and a ledger resident. A member with one resident is 一对一, with
    several 一对多; a resident has at most one pair at a time."""

    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="pairings")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="pairings")
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        ordering = ["member_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=Q(ended_at__isnull=True), name="livelihood_one_pair_per_resident")
        ]
        verbose_name = _("帮扶对子")


class SupportRequest(Placed, TimeStampedModel):
    """A resident's request (goods, medicine, a medical visit), taken by phone or raised by the pair,
    routed to the pair's member (else the compound's group), due by the policy's deadline for its
    kind, delivered to the door or handed over at the gate, and confirmed."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("类型"), max_length=16, choices=RequestKind.choices)
    items = models.CharField(_("所需物品"), max_length=300)
    channel = models.CharField(_("来源"), max_length=8, choices=RequestChannel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("帮扶人"))
    group = models.ForeignKey(ServiceGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("工作组"))
    requested_at = models.DateTimeField(_("登记时间"))
    due_at = models.DateTimeField(_("应送达时间"))
    deadline_citation = citation_column(_("时限依据"))  # the text: deadline_basis
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    handover = models.CharField(_("交接方式"), max_length=16, choices=Handover.choices, blank=True)
    handed_to = models.CharField(_("交接网格员"), max_length=64, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.CharField(_("确认方"), max_length=12, choices=ConfirmedBy.choices, blank=True)
    confirmed_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="livelihood_request_due"),
            models.Index(fields=["community", "status"], name="livelihood_request_community"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(due_at__gt=models.F("requested_at")), name="livelihood_request_due_after"),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=models.F("requested_at")),
                name="livelihood_request_delivered_after",
            ),
        ]
        verbose_name = _("居民需求")

    def __str__(self) -> str:
        return f"需求 #{self.pk}"

    deadline_basis = cited_text("deadline_citation", "The rule that set `due_at`, cited in full.")


class VoucherProgramme(TimeStampedModel):
    """A one-off voucher programme (seed 003: 200 元 consumption voucher or goods of equal value): its
    amount, the date ages are counted at, the 户籍 it requires and the eligibility rules, copied from
    the active policy when it was set up (with their citation), so a decision can be reproduced.

    Its scope is the place it covers: a community, a street, a district (the ancestors copied, as on
    every 民生 row) or, with all three empty, the whole city; it lies within its creator's grants and
    vouchers are issued only to people inside it (services.vouchers.programme_scope)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    age_reference_date = models.DateField(_("年龄计算基准日"))
    hukou_prefix = models.CharField(_("户籍地代码前缀"), max_length=6)
    rules = models.JSONField(_("资格规则"))
    citation = citation_column(_("依据"))  # the text: basis
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="livelihood_programme_amount_positive")]
        verbose_name = _("消费券发放方案")

    def __str__(self) -> str:
        return self.name

    basis = cited_text("citation", "The eligibility rules' citations as set up (one a line), cited in full.")

    @property
    def scope_place(self) -> models.Model | None:
        """The community, street or district the programme covers; None for the whole city."""
        return self.community or self.street or self.district

    @property
    def scope_name(self) -> str:
        place = self.scope_place
        return place.name if place is not None else str(_("全市"))


class Voucher(Placed, TimeStampedModel):
    """One person's voucher of a programme (at most one: a database constraint), the rule that made
    them eligible, issued as a code or as goods, and its redemption."""

    programme = models.ForeignKey(VoucherProgramme, on_delete=models.PROTECT, related_name="vouchers")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("资格规则"), max_length=48)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    form = models.CharField(_("发放形式"), max_length=8, choices=VoucherForm.choices)
    code = models.CharField(_("券码"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED)
    issued_at = models.DateTimeField(_("发放时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    redeemed_at = models.DateTimeField(_("核销时间"), null=True, blank=True)

    class Meta:
        ordering = ["programme_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="livelihood_one_voucher_per_person"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="livelihood_voucher_amount_positive"),
        ]
        indexes = [models.Index(fields=["programme", "community"], name="livelihood_voucher_community")]
        verbose_name = _("消费券")

    def __str__(self) -> str:
        return f"消费券 #{self.pk}"


from .figures_models import LedgerCount, PairCount  # noqa: E402  (the app's models, one module each)
from .relief_models import Disbursement, ReliefBudget  # noqa: E402
from .supplies_models import StockBalance, StockMovement, StockShortage, SupplyItem, Warehouse  # noqa: E402
from .supply_request_models import SupplyRequest, SupplyRequestLine  # noqa: E402

__all__ = [
    "Disbursement",
    "ReliefBudget",
    "GroupMember",
    "LedgerCount",
    "LedgerEntry",
    "PairCount",
    "Pairing",
    "ServiceGroup",
    "StockBalance",
    "StockMovement",
    "StockShortage",
    "SupplyItem",
    "SupplyRequest",
    "SupplyRequestLine",
    "SupportRequest",
    "SurveyVisit",
    "Voucher",
    "VoucherProgramme",
    "Warehouse",
]
