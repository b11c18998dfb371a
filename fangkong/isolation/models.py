"""快隔: isolation sites and their rooms, each person's isolation episode, the regimen, release and handover.

An isolation site (集中隔离点, usually a hotel) has rooms with a type and a capacity, staff, a daily
internal-management checklist (cleaning, disinfection, meals to every occupied room, staff health)
and an incident log.

An isolation episode is one person's way through the loop: identified (a close contact, an inbound
traveller …) with a deadline to be isolated the same day → in transit → checked in to a room → the
regimen of the active policy (central days and test days, then the home phase) → released with every
central test negative → handed over "手递手、点对点" to the receiving community, which confirms it —
until then the person is the site's responsibility → home isolation with its tests and a daily
check → completed. A positive test ends the episode (turned_positive) and hands the person to 快转.

Every deadline is stored on the row when it becomes due (isolate_by, central_until, home_until, each
test's due date), with the policy rule that set it, so the boards are queries. Day N of the regimen
is defined once, in fangkong.policy.regimen.

A room holds one party at a time — a household, or a group that travelled together — never
unrelated people together, and never more than its capacity; `services.room_assign` holds the rule
under a row lock on the room. A person has at most one open episode and at most one open room stay
(partial unique indexes).

Episodes carry the ids of the person's places (PersonPlaces) for scoped, grouped counts, and the
site's id for site staff.

流调 (contact tracing): a Contact is a person 流调 found exposed — a close contact (密接) of a case,
or a secondary contact (次密接) of a close contact where the policy traces them — with one
ContactLink per exposure (the case, or the close contact, how, where and when last). A contact
linked to several cases has several links. Each contact gets an isolation episode the same day;
a contact who turns positive points at the case opened for them, so the chain case → contact →
case stays visible (selectors in tracing.selectors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces
from fangkong.results.choices import Result

from .choices import (
    EPISODE_AWAITING,
    EPISODE_OPEN,
    ArrivalMode,
    ContactKind,
    EpisodeKind,
    EpisodeStatus,
    ExposureType,
    HandoverStatus,
    HomeMode,
    IncidentKind,
    RoomType,
    Severity,
    SiteKind,
    StaffDuty,
    StayEnd,
    TestPhase,
    TransportMode,
    contact_state,
)
from .querysets import (
    ARRIVAL_SCOPE,
    CONTACT_SCOPE,
    EPISODE_SCOPE,
    HANDOVER_SCOPE,
    LINK_CONTACT_SCOPE,
    SITE_GRANT,
    SITE_SCOPE,
    THROUGH_EPISODE,
    THROUGH_SITE,
    ArrivalQuerySet,
    ContactLinkQuerySet,
    ContactQuerySet,
    EpisodeChildQuerySet,
    EpisodeQuerySet,
    HandoverQuerySet,
    SiteChildQuerySet,
    SiteQuerySet,
)


def _user(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


def _bulk_user(label: str) -> models.ForeignKey:
    """Who wrote a row of a table written in bulk: no database constraint and no index (no page
    looks rows up by their author; see BULK_TABLES)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


# BULK_TABLES: IsolationEpisode, Contact, ContactLink, RoomStay and ScheduledTest are written by the
# hundred thousand (services.bulk: 流调 lists and check-in, COPY). Their foreign keys keep no database
# constraint (decision 0003, as decision 0002's amendment for the testing tables): every writer reads
# each referenced row in the same transaction first, and Django still applies on_delete in the ORM.
# A foreign key whose index another index already starts with keeps no index of its own.


def _place(model: str, label: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(model, verbose_name=label, null=null, blank=null, on_delete=models.PROTECT, related_name="+")


class RuleCitation(models.Model):
    """One policy citation text (a regimen's rules, a deadline's rule, a test day's rule), stored once.

    Every episode of a policy version cites the same text, and so does every scheduled test of a
    kind: the bulk tables point here instead of copying ~1.4 kB onto each of 400,000 episodes and
    114 characters onto each of 2.4 million tests (decision 0003, section 5). Rows are never changed
    or deleted; a new text is a new row, found again by its SHA-256."""

    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    text = models.TextField(_("依据"))

    class Meta:
        verbose_name = _("政策依据原文")

    def __str__(self) -> str:
        return self.text[:60]

    @staticmethod
    def digest_of(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def ids_for(cls, texts: Iterable[str]) -> dict[str, int]:
        """text → id for every non-empty text, adding the ones not stored yet: one SELECT when all
        are there, an INSERT … ON CONFLICT DO NOTHING and a second SELECT when some are new (two
        writers adding the same text at once both end up with the one row)."""
        by_digest = {cls.digest_of(t): t for t in set(texts) if t}
        if not by_digest:
            return {}
        found = dict(cls.objects.filter(digest__in=list(by_digest)).values_list("digest", "pk"))
        missing = [cls(digest=d, text=t) for d, t in by_digest.items() if d not in found]
        if missing:
            cls.objects.bulk_create(missing, ignore_conflicts=True)
            found = dict(cls.objects.filter(digest__in=list(by_digest)).values_list("digest", "pk"))
        return {t: found[d] for d, t in by_digest.items()}

    @classmethod
    def stored(cls, texts: Iterable[str]) -> dict[str, RuleCitation]:
        """text → its stored citation, as ids_for, as instances to assign to a citation column."""
        return {t: cls(pk=pk, digest=cls.digest_of(t), text=t) for t, pk in cls.ids_for(texts).items()}

    @classmethod
    def for_text(cls, text: str) -> RuleCitation | None:
        """The stored citation of `text` (None for an empty text)."""
        return cls.stored([text]).get(text)


def _citation(label: str) -> models.ForeignKey:
    """A citation column of a bulk table: the id of a RuleCitation, no constraint and no index (no
    query looks rows up by their citation, and citations are never deleted)."""
    return models.ForeignKey(
        RuleCitation,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


def _citation_text(obj: models.Model, name: str) -> str:
    """The text behind a citation column ('' without one). Load it with select_related(name) on
    lists: otherwise each row reads its citation."""
    return getattr(obj, name).text if getattr(obj, f"{name}_id") is not None else ""


class IsolationSite(TimeStampedModel):
    """集中隔离点. Site staff hold a facility grant `facility:isolation_site` to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=SiteKind.choices, default=SiteKind.HOTEL)
    district = _place("geo.District", _("区县"))
    street = _place("geo.Street", _("街道"))
    community = _place("geo.Community", _("社区"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("核定容量（人）"), default=0)
    manager_name = models.CharField(_("负责人"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    receives_inbound = models.BooleanField(_("接收入境人员"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SiteQuerySet.as_manager()
    scope_paths = SITE_SCOPE

    class Meta:
        ordering = ["district_id", "name"]
        verbose_name = _("隔离点")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room of a site. Holds one party (household or travelling group) at a time, up to its capacity."""

    site = models.ForeignKey(IsolationSite, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("房间号"), max_length=16)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    room_type = models.CharField(_("房型"), max_length=16, choices=RoomType.choices, default=RoomType.SINGLE)
    capacity = models.PositiveSmallIntegerField(_("可住人数"))
    is_active = models.BooleanField(_("可用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["site_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="isolation_room_unique_number"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="isolation_room_capacity_positive"),
        ]
        verbose_name = _("隔离房间")

    def __str__(self) -> str:
        return f"{self.site_id}-{self.number}"


class SiteStaff(TimeStampedModel):
    """A person on a site's duty roster (岗位职责), optionally with a platform account."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    duty = models.CharField(_("岗位"), max_length=16, choices=StaffDuty.choices)
    user = _user(_("平台账号"))
    is_active = models.BooleanField(_("在岗"), default=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["site_id", "duty", "name"]
        verbose_name = _("隔离点工作人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_duty_display()}）"


class IsolationEpisode(PersonPlaces, TimeStampedModel):
    """One person's isolation, from identification to completion (or a positive, or cancellation).

    The places (PersonPlaces) are where the person is handed over and isolated at home: the
    registry's places for a resident, the destination's for an inbound traveller."""

    person = models.ForeignKey(
        "geo.Person", on_delete=models.PROTECT, related_name="isolation_episodes", db_constraint=False, db_index=False
    )  # indexed by isolation_ep_person
    kind = models.CharField(_("类别"), max_length=20, choices=EpisodeKind.choices)
    source = models.CharField(_("来源"), max_length=200, blank=True, help_text=_("如关联病例、航班号；流调模块接入后由密接记录指向本条"))
    status = models.CharField(_("状态"), max_length=32, choices=EpisodeStatus.choices, default=EpisodeStatus.AWAITING_TRANSFER)
    party = models.CharField(_("同住单元"), max_length=48, help_text=_("同户或同行人员可同住一间；不同单元不得混住"))
    identified_at = models.DateTimeField(_("判定时间"))
    isolate_by = models.DateTimeField(_("应隔离时限"), null=True, blank=True)
    isolate_by_citation = _citation(_("时限依据"))  # the text: isolate_by_rule
    site = models.ForeignKey(
        IsolationSite,
        verbose_name=_("隔离点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes",
        db_constraint=False,
        db_index=False,
    )  # indexed by isolation_ep_site
    transit_started_at = models.DateTimeField(_("转运出发时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("入住时间"), null=True, blank=True)
    # The regimen, fixed when it starts (check-in; at opening for a home-only regimen).
    regimen_started_at = models.DateTimeField(_("隔离起始时间"), null=True, blank=True)
    policy_profile = models.CharField(_("政策版本"), max_length=48, blank=True)
    central_days = models.PositiveSmallIntegerField(_("集中隔离天数"), null=True, blank=True)
    home_days = models.PositiveSmallIntegerField(_("居家天数"), null=True, blank=True)
    home_mode = models.CharField(_("居家阶段方式"), max_length=24, choices=HomeMode.choices, blank=True)
    central_until = models.DateTimeField(_("集中隔离期满"), null=True, blank=True)
    home_until = models.DateTimeField(_("居家期满"), null=True, blank=True)
    regimen_citation = _citation(_("隔离方案依据"))  # the text: regimen_rules
    released_at = models.DateTimeField(_("解除集中隔离时间"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("交接时间"), null=True, blank=True)
    home_started_at = models.DateTimeField(_("开始居家时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    # A positive during isolation: the case 快转 opened for it (services.handoff.on_positive).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("转为病例"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )  # isolation_ep_case: only the few that turned positive
    opened_by = _bulk_user(_("登记人"))

    objects = EpisodeQuerySet.as_manager()
    scope_paths = EPISODE_SCOPE

    class Meta:
        ordering = ["-identified_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=EPISODE_OPEN), name="isolation_one_open_episode"),
        ]
        indexes = [
            models.Index(fields=["status", "isolate_by"], name="isolation_ep_status_due"),
            models.Index(fields=["site", "status"], name="isolation_ep_site"),
            models.Index(fields=["community", "status"], name="isolation_ep_community"),
            models.Index(fields=["district", "status"], name="isolation_ep_district"),
            models.Index(fields=["person", "status"], name="isolation_ep_person"),
            # The 日清日结 board (selectors.awaiting_isolation_board, ordered by isolate_by NULLS LAST — an
            # ascending b-tree's own order on PostgreSQL): an index walk that stops after a page.
            models.Index(
                fields=["isolate_by", "identified_at", "id"], name="isolation_ep_awaiting", condition=Q(status__in=EPISODE_AWAITING)
            ),
            models.Index(fields=["case"], name="isolation_ep_case", condition=Q(case__isnull=False)),
            # The day's check-ins (the board's 当日隔离, the day's figures): a range, not a scan of every episode.
            models.Index(fields=["checked_in_at"], name="isolation_ep_checked_in", condition=Q(checked_in_at__isnull=False)),
        ]
        verbose_name = _("隔离记录")

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} {self.get_status_display()}"

    @property
    def isolate_by_rule(self) -> str:
        """The rule that set `isolate_by`, cited in full."""
        return _citation_text(self, "isolate_by_citation")

    @isolate_by_rule.setter
    def isolate_by_rule(self, text: str) -> None:
        self.isolate_by_citation = RuleCitation.for_text(text)

    @property
    def regimen_rules(self) -> str:
        """Every rule of the regimen fixed at its start, cited in full (one per line)."""
        return _citation_text(self, "regimen_citation")

    @regimen_rules.setter
    def regimen_rules(self, text: str) -> None:
        self.regimen_citation = RuleCitation.for_text(text)


class RoomStay(models.Model):
    """A person in a room from `started_at` until `ended_at` (open while null)."""

    episode = models.ForeignKey(IsolationEpisode, on_delete=models.PROTECT, related_name="stays", db_constraint=False)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="stays", db_constraint=False, db_index=False
    )  # indexed by isolation_stay_room
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    party = models.CharField(_("同住单元"), max_length=48)
    started_at = models.DateTimeField(_("入住时间"))
    ended_at = models.DateTimeField(_("退房时间"), null=True, blank=True)
    end_reason = models.CharField(_("退房原因"), max_length=16, choices=StayEnd.choices, blank=True)
    assigned_by = _bulk_user(_("分配人"))

    objects = EpisodeChildQuerySet.as_manager()
    scope_paths = {**THROUGH_EPISODE, SITE_GRANT: "room__site_id"}

    class Meta:
        ordering = ["room_id", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode"], condition=Q(ended_at__isnull=True), name="isolation_one_open_stay_per_episode"),
            models.UniqueConstraint(fields=["person"], condition=Q(ended_at__isnull=True), name="isolation_one_open_stay_per_person"),
        ]
        indexes = [models.Index(fields=["room", "ended_at"], name="isolation_stay_room")]
        verbose_name = _("入住记录")

    def __str__(self) -> str:
        return f"{self.room} {self.person_id}"


class ScheduledTest(models.Model):
    """A nucleic-acid test the regimen requires on day `day_number` of a phase, due on `due_date` (local)."""

    episode = models.ForeignKey(
        IsolationEpisode, on_delete=models.CASCADE, related_name="tests", db_constraint=False, db_index=False
    )  # indexed by isolation_test_unique_day
    phase = models.CharField(_("阶段"), max_length=8, choices=TestPhase.choices)
    day_number = models.PositiveSmallIntegerField(_("第 N 天"))
    due_date = models.DateField(_("应检日期"))
    citation = _citation(_("依据"))  # the text: rule
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, blank=True)
    ct_value = models.FloatField(_("Ct 值"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    resulted_at = models.DateTimeField(_("出结果时间"), null=True, blank=True)
    recorded_by = _bulk_user(_("登记人"))

    objects = EpisodeChildQuerySet.as_manager()
    scope_paths = THROUGH_EPISODE

    class Meta:
        ordering = ["episode_id", "phase", "day_number"]
        # Read by episode only (the day sheet joins a site's episodes to isolation_test_unique_day): no
        # index on due_date — 2.4 million entries at 400,000 people that no query used (decision 0003).
        constraints = [models.UniqueConstraint(fields=["episode", "phase", "day_number"], name="isolation_test_unique_day")]
        verbose_name = _("隔离期核酸检测")

    def __str__(self) -> str:
        return f"{self.episode_id} {self.get_phase_display()}第{self.day_number}天 {self.result or '-'}"

    @property
    def rule(self) -> str:
        """The policy rule that set this test day, cited in full."""
        return _citation_text(self, "citation")

    @rule.setter
    def rule(self, text: str) -> None:
        self.citation = RuleCitation.for_text(text)


class ReleaseOrder(models.Model):
    """解除集中隔离: issued once the central period is over and every central test is negative."""

    episode = models.OneToOneField(IsolationEpisode, on_delete=models.PROTECT, related_name="release_order")
    site = models.ForeignKey(IsolationSite, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("解除时间"))
    ordered_by = _user(_("签发人"))
    tests = models.JSONField(_("集中隔离期检测"), default=list)  # [{"day", "due", "result", "sampled_at"}]
    rule = models.TextField(_("依据"))

    objects = EpisodeChildQuerySet.as_manager()
    scope_paths = THROUGH_EPISODE

    class Meta:
        ordering = ["-ordered_at", "id"]
        verbose_name = _("解除集中隔离通知")

    def __str__(self) -> str:
        return f"{self.episode_id} {self.ordered_at:%Y-%m-%d}"


class Handover(models.Model):
    """手递手、点对点: the site hands the person to the receiving community (or another city), which confirms."""

    episode = models.ForeignKey(IsolationEpisode, on_delete=models.PROTECT, related_name="handovers")
    release_order = models.ForeignKey(ReleaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers")
    from_site = models.ForeignKey(IsolationSite, verbose_name=_("移交隔离点"), on_delete=models.PROTECT, related_name="handovers")
    to_district = _place("geo.District", _("接收区县"), null=True)
    to_street = _place("geo.Street", _("接收街道"), null=True)
    to_community = _place("geo.Community", _("接收社区"), null=True)
    to_locality = models.CharField(_("外地接收方"), max_length=200, blank=True, help_text=_("目的地不在本市时填写"))
    transport_mode = models.CharField(_("转运方式"), max_length=24, choices=TransportMode.choices, default=TransportMode.SITE_VEHICLE)
    vehicle = models.CharField(_("车次、航班或车牌"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.PENDING)
    created_at = models.DateTimeField(_("发起时间"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = _user(_("确认人"))
    receiver_name = models.CharField(_("接收人"), max_length=64, blank=True)
    receiver_phone = models.CharField(_("接收人电话"), max_length=32, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = HandoverQuerySet.as_manager()
    scope_paths = HANDOVER_SCOPE

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["episode"], condition=Q(status="pending"), name="isolation_one_pending_handover"),
            models.CheckConstraint(condition=Q(to_community__isnull=False) | ~Q(to_locality=""), name="isolation_handover_has_receiver"),
        ]
        indexes = [
            models.Index(fields=["to_community", "status"], name="isolation_handover_comm"),
            models.Index(fields=["from_site", "status"], name="isolation_handover_site"),
        ]
        verbose_name = _("交接记录")

    def __str__(self) -> str:
        return f"{self.episode_id} → {self.to_community_id or self.to_locality}"


class HomeCheck(models.Model):
    """The daily check of a person in home isolation (one per local day)."""

    episode = models.ForeignKey(IsolationEpisode, on_delete=models.CASCADE, related_name="home_checks")
    date = models.DateField(_("日期"))
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = _user(_("核查人"))
    at_home = models.BooleanField(_("在家"), default=True)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.BooleanField(_("有发热、咳嗽等症状"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = EpisodeChildQuerySet.as_manager()
    scope_paths = THROUGH_EPISODE

    class Meta:
        ordering = ["episode_id", "date"]
        constraints = [models.UniqueConstraint(fields=["episode", "date"], name="isolation_home_check_daily")]
        verbose_name = _("居家隔离每日核查")

    def __str__(self) -> str:
        return f"{self.episode_id} {self.date}"


class SiteDailyChecklist(models.Model):
    """隔离场所内部管理: one checklist per site and local day; `gaps` lists what fell short."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="checklists")
    date = models.DateField(_("日期"))
    cleaning_done = models.BooleanField(_("房间及公共区域已清洁"), default=False)
    disinfection_done = models.BooleanField(_("已按要求消毒消杀"), default=False)
    occupied_rooms = models.PositiveIntegerField(_("在住房间数"), default=0)
    meals_breakfast_rooms = models.PositiveIntegerField(_("早餐送达房间数"), default=0)
    meals_lunch_rooms = models.PositiveIntegerField(_("午餐送达房间数"), default=0)
    meals_dinner_rooms = models.PositiveIntegerField(_("晚餐送达房间数"), default=0)
    staff_on_duty = models.PositiveIntegerField(_("在岗工作人员"), default=0)
    staff_health_checked = models.PositiveIntegerField(_("已健康监测人数"), default=0)
    staff_unwell = models.PositiveIntegerField(_("健康异常人数"), default=0)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    gaps = models.JSONField(_("问题"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("填报时间"))
    recorded_by = _user(_("填报人"))

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["-date", "site_id"]
        constraints = [models.UniqueConstraint(fields=["site", "date"], name="isolation_checklist_daily")]
        verbose_name = _("隔离点每日检查")

    def __str__(self) -> str:
        return f"{self.site_id} {self.date}"


class SiteIncident(models.Model):
    """An incident at a site (someone left their room, a fall, a fire alarm …) and how it was handled."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("类型"), max_length=24, choices=IncidentKind.choices)
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices, default=Severity.LOW)
    occurred_at = models.DateTimeField(_("发生时间"))
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    episode = models.ForeignKey(IsolationEpisode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.TextField(_("情况"))
    reported_at = models.DateTimeField(_("报告时间"))
    reported_by = _user(_("报告人"))
    resolved_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    resolution = models.TextField(_("处置情况"), blank=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["-occurred_at", "id"]
        indexes = [models.Index(fields=["site", "resolved_at"], name="isolation_incident_open")]
        verbose_name = _("隔离点突发事件")

    def __str__(self) -> str:
        return f"{self.site_id} {self.get_kind_display()}"


class InboundArrival(TimeStampedModel):
    """入境人员: arrival at the first entry point, where the central part of the regimen is served,
    and the intended destination, to which the person is transferred in a closed loop afterwards."""

    episode = models.OneToOneField(IsolationEpisode, on_delete=models.PROTECT, related_name="arrival")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("交通方式"), max_length=16, choices=ArrivalMode.choices)
    number = models.CharField(_("航班号或车次"), max_length=32)
    origin = models.CharField(_("出发地"), max_length=100)
    port_of_entry = models.CharField(_("第一入境点"), max_length=100)
    arrived_at = models.DateTimeField(_("抵达时间"))
    entry_site = models.ForeignKey(IsolationSite, verbose_name=_("入境点隔离场所"), on_delete=models.PROTECT, related_name="arrivals")
    destination = models.CharField(_("目的地"), max_length=200)
    destination_district = _place("geo.District", _("目的地区县"), null=True)
    destination_street = _place("geo.Street", _("目的地街道"), null=True)
    destination_community = _place("geo.Community", _("目的地社区"), null=True)
    second_quarantine_at_destination = models.BooleanField(_("目的地再次集中隔离"))
    second_quarantine_rule = models.TextField(_("依据"))
    registered_by = _user(_("登记人"))

    objects = ArrivalQuerySet.as_manager()
    scope_paths = ARRIVAL_SCOPE

    class Meta:
        ordering = ["-arrived_at", "id"]
        indexes = [models.Index(fields=["person", "arrived_at"], name="isolation_arrival_person")]
        verbose_name = _("入境人员")

    def __str__(self) -> str:
        return f"{self.number} {self.person_id}"


# ---- 流调: contacts and their exposures ----


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
