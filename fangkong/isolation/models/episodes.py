"""A person's isolation episode: room stays, the regimen's tests, release, handover, home checks, inbound arrival."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces
from fangkong.policy.models import citation_column, cited_text
from fangkong.results.choices import Result

from ..choices import (
    EPISODE_AWAITING,
    EPISODE_OPEN,
    ArrivalMode,
    EpisodeKind,
    EpisodeStatus,
    HandoverStatus,
    HomeMode,
    StayEnd,
    TestPhase,
    TransportMode,
)
from ..querysets import (
    ARRIVAL_SCOPE,
    EPISODE_SCOPE,
    HANDOVER_SCOPE,
    SITE_GRANT,
    THROUGH_EPISODE,
    ArrivalQuerySet,
    EpisodeChildQuerySet,
    EpisodeQuerySet,
    HandoverQuerySet,
)
from .columns import _bulk_user, _place, _user
from .sites import IsolationSite, Room


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
    isolate_by_citation = citation_column(_("时限依据"))  # the text: isolate_by_rule
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
    regimen_citation = citation_column(_("隔离方案依据"))  # the text: regimen_rules
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

    isolate_by_rule = cited_text("isolate_by_citation", "The rule that set `isolate_by`, cited in full.")
    regimen_rules = cited_text("regimen_citation", "Every rule of the regimen fixed at its start, cited in full (one per line).")


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
    citation = citation_column(_("依据"))  # the text: rule
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

    rule = cited_text("citation", "The policy rule that set this test day, cited in full.")


class ReleaseOrder(models.Model):
    """解除集中隔离: issued once the central period is over and every central test is negative."""

    episode = models.OneToOneField(IsolationEpisode, on_delete=models.PROTECT, related_name="release_order")
    site = models.ForeignKey(IsolationSite, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("解除时间"))
    ordered_by = _user(_("签发人"))
    tests = models.JSONField(_("集中隔离期检测"), default=list)  # [{"day", "due", "result", "sampled_at"}]
    citation = citation_column(_("依据"))  # the text: rule

    objects = EpisodeChildQuerySet.as_manager()
    scope_paths = THROUGH_EPISODE

    class Meta:
        ordering = ["-ordered_at", "id"]
        verbose_name = _("解除集中隔离通知")

    rule = cited_text("citation", "The regimen's rules the release was ordered under (the episode's), cited in full.")

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
    second_quarantine_citation = citation_column(_("依据"))  # the text: second_quarantine_rule
    registered_by = _user(_("登记人"))

    objects = ArrivalQuerySet.as_manager()
    scope_paths = ARRIVAL_SCOPE

    class Meta:
        ordering = ["-arrived_at", "id"]
        indexes = [models.Index(fields=["person", "arrived_at"], name="isolation_arrival_person")]
        verbose_name = _("入境人员")

    def __str__(self) -> str:
        return f"{self.number} {self.person_id}"

    second_quarantine_rule = cited_text(
        "second_quarantine_citation", "The rule that decided the second central quarantine at the destination, cited in full."
    )
