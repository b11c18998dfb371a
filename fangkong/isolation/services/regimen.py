"""The regimen of the active policy: days and test days, scheduled when isolation starts; test results.

Central and home days come from the policy keys of the episode's kind (close_contact.*, inbound.*,
secondary_contact.*), day N from fangkong.policy.regimen. The home phase follows the central
phase on the calendar: home day 1 is regimen day central_days + 1 — or, when the release comes
later than that, the local day of the release, so nobody loses home days to a late release.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_before, not_in_future
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.policy.models import PolicyProfile, RuleCitation
from fangkong.policy.regimen import DAY_ONE_KEY, day_one_convention, local_date, local_midnight, regimen_day, regimen_day_starts_at
from fangkong.policy.rules import PolicyNotConfigured, active_profile, rule
from fangkong.results.choices import Result
from fangkong.results.rules import decide_or_refuse

from .. import events
from ..choices import KIND_POLICY_PREFIX, EpisodeKind, EpisodeStatus, HomeMode, StayEnd, TestPhase
from ..models import IsolationEpisode, ScheduledTest
from ..permissions import IsolationCap
from .common import end_episode, end_stay, lock_episode, require_episode


@dataclass(frozen=True)
class RegimenPlan:
    """What the policy sets for one kind of episode, with every rule's citation."""

    profile: str
    convention: str
    central_days: int
    home_days: int
    home_mode: str
    central_test_days: tuple[int, ...]
    home_test_days: tuple[int, ...]
    citations: dict[str, str] = field(default_factory=dict)
    profile_name: str = ""  # what the pages show (the code is what episodes record)

    def citation(self, key: str) -> str:
        return self.citations.get(key, key)

    @property
    def text(self) -> str:
        return "\n".join(self.citations.values())


def _days(values: Any, key: str, limit: int) -> tuple[int, ...]:
    days = tuple(sorted({int(v) for v in values or []}))
    if any(d < 1 or d > limit for d in days):
        raise PolicyNotConfigured(_("政策参数 %(key)s 的检测日超出该阶段天数（%(n)s 天）") % {"key": key, "n": limit}, rule=key)
    return days


def regimen_plan(kind: str, *, profile: PolicyProfile | None = None) -> RegimenPlan:
    """The regimen the (active) policy sets for `kind`."""
    profile = profile or active_profile()
    prefix = KIND_POLICY_PREFIX[kind]
    rules = {}

    def get(key: str) -> Any:
        r = rule(key, profile=profile)
        rules[key] = r.citation
        return r.value

    convention = day_one_convention(profile=profile)
    rules[DAY_ONE_KEY] = rule(DAY_ONE_KEY, profile=profile).citation
    if kind == EpisodeKind.SECONDARY_CONTACT:
        # 次密接: home isolation only (where the policy traces them at all).
        home_days = int(get("secondary_contact.home_days"))
        return RegimenPlan(
            profile=profile.code,
            profile_name=profile.name,
            convention=convention,
            central_days=0,
            home_days=home_days,
            home_mode=HomeMode.HOME_ISOLATION if home_days else HomeMode.NONE,
            central_test_days=(),
            home_test_days=_days(get("secondary_contact.test_days"), "secondary_contact.test_days", home_days),
            citations=rules,
        )
    central_days = int(get(f"{prefix}.central_days"))
    home_days = int(get(f"{prefix}.home_days"))
    home_mode = get(f"{prefix}.home_mode") if home_days else HomeMode.NONE
    if home_mode not in HomeMode.values:
        raise PolicyNotConfigured(_("政策参数 %(key)s 的取值无法识别") % {"key": f"{prefix}.home_mode"}, rule=f"{prefix}.home_mode")
    return RegimenPlan(
        profile=profile.code,
        profile_name=profile.name,
        convention=convention,
        central_days=central_days,
        home_days=home_days,
        home_mode=home_mode,
        central_test_days=_days(get(f"{prefix}.central_test_days"), f"{prefix}.central_test_days", central_days),
        home_test_days=_days(get(f"{prefix}.home_test_days"), f"{prefix}.home_test_days", home_days),
        citations=rules,
    )


def central_test_key(episode: IsolationEpisode) -> str:
    return f"{KIND_POLICY_PREFIX[episode.kind]}.central_test_days"


def home_test_key(episode: IsolationEpisode) -> str:
    if episode.kind == EpisodeKind.SECONDARY_CONTACT:
        return "secondary_contact.test_days"
    return f"{KIND_POLICY_PREFIX[episode.kind]}.home_test_days"


@dataclass(frozen=True)
class Regimen:
    """What the policy fixes on an episode whose regimen starts at `start_at`: when its phases end,
    and its tests (phase, day, due date, the rule that set it)."""

    plan: RegimenPlan
    text: str
    central_until: dt.datetime | None
    home_until: dt.datetime | None
    tests: tuple[tuple[str, int, dt.date, str], ...]  # (phase, day, due date, rule)

    def texts(self) -> list[str]:
        return [self.text, *(t[3] for t in self.tests)]


def regimen_for(kind: str, plan: RegimenPlan, start_at: dt.datetime) -> Regimen:
    """The days and tests of a regimen starting at `start_at`: the one computation, for one episode
    (`schedule`) or once for every episode of `kind` in a batch check-in (services.checkin)."""
    conv = plan.convention
    total = plan.central_days + plan.home_days
    probe = IsolationEpisode(kind=kind)  # the test keys depend on the kind only
    return Regimen(
        plan=plan,
        text=plan.text,
        central_until=regimen_day_starts_at(start_at, plan.central_days + 1, convention=conv) if plan.central_days else None,
        home_until=regimen_day_starts_at(start_at, total + 1, convention=conv) if plan.home_days else None,
        tests=tuple(
            [
                (TestPhase.CENTRAL, n, regimen_day(start_at, n, convention=conv), plan.citation(central_test_key(probe)))
                for n in plan.central_test_days
            ]
            + [
                (TestPhase.HOME, n, regimen_day(start_at, plan.central_days + n, convention=conv), plan.citation(home_test_key(probe)))
                for n in plan.home_test_days
            ]
        ),
    )


def schedule(episode: IsolationEpisode, plan: RegimenPlan, start_at: dt.datetime) -> list[ScheduledTest]:
    """Fix the episode's regimen from `start_at` (day 1 = policy's regimen.day_one) and create its tests
    (regimen_for's). The caller saves the episode."""
    reg = regimen_for(episode.kind, plan, start_at)
    episode.regimen_started_at = start_at
    episode.policy_profile = plan.profile
    episode.central_days = plan.central_days
    episode.home_days = plan.home_days
    episode.home_mode = plan.home_mode
    episode.central_until = reg.central_until
    episode.home_until = reg.home_until
    cited = RuleCitation.stored(reg.texts())  # one query for the texts
    episode.regimen_citation = cited.get(reg.text)
    tests = [
        ScheduledTest(episode=episode, phase=phase, day_number=n, due_date=due, citation=cited.get(rule))
        for phase, n, due, rule in reg.tests
    ]
    return ScheduledTest.objects.bulk_create(tests)


def home_day_one(episode: IsolationEpisode) -> dt.date | None:
    """The local date of home day 1 as scheduled (None without a home phase)."""
    if not episode.home_days or episode.home_until is None:
        return None
    return local_date(episode.home_until) - dt.timedelta(days=episode.home_days)


def reanchor_home(episode: IsolationEpisode, released_at: dt.datetime) -> bool:
    """A release later than home day 1 moves the home phase (and its tests) to start on the release day.
    The caller saves the episode. Returns whether anything moved."""
    first = home_day_one(episode)
    release_day = local_date(released_at)
    if first is None or release_day <= first:
        return False
    shift = release_day - first
    episode.home_until = local_midnight(release_day + dt.timedelta(days=episode.home_days))
    for t in ScheduledTest.objects.filter(episode=episode, phase=TestPhase.HOME):
        t.due_date = t.due_date + shift
        t.save(update_fields=["due_date"])
    return True


# ---- results ----


def _record(
    *,
    actor: Any,
    test: ScheduledTest,
    phase: str,
    allowed: tuple[str, ...],
    result: str,
    sampled_at: dt.datetime,
    resulted_at: dt.datetime | None,
    ct_value: float | None,
) -> ScheduledTest:
    sampled_at = aware(sampled_at)
    resulted_at = aware(resulted_at)
    not_in_future(sampled_at, field="sampled_at", label=_("采样时间"))
    not_in_future(resulted_at, field="resulted_at", label=_("出结果时间"))
    episode = lock_episode(test.episode)
    test = ScheduledTest.objects.select_for_update().get(pk=test.pk)
    if test.phase != phase:
        raise DomainError(_("这是%(phase)s的检测") % {"phase": test.get_phase_display()}, field="test")
    if episode.status not in allowed:
        raise DomainError(
            _("该人员当前为“%(s)s”，不能登记%(phase)s检测结果") % {"s": episode.get_status_display(), "phase": test.get_phase_display()},
            rule="isolation.episode_transitions",
        )
    key = central_test_key(episode) if phase == TestPhase.CENTRAL else home_test_key(episode)
    if test.result in (Result.NEGATIVE, Result.POSITIVE):
        raise DomainError(
            _("第 %(n)s 天检测已登记为“%(r)s”，不能重复登记") % {"n": test.day_number, "r": test.get_result_display()},
            rule="isolation.test_result_final",
        )
    result, _threshold = decide_or_refuse(result, ct_value, fields={"ct_orf1ab": "ct_value", "ct_n": "ct_value"})
    if sampled_at < local_midnight(test.due_date):
        raise DomainError(
            _("第 %(n)s 天的检测应在 %(d)s 当天或之后采样") % {"n": test.day_number, "d": test.due_date.isoformat()},
            field="sampled_at",
            rule=key,
        )
    if phase == TestPhase.CENTRAL:
        not_before(sampled_at, episode.checked_in_at, field="sampled_at", label=_("采样时间"), earlier_label=_("入住时间"))
    if resulted_at < sampled_at:
        raise DomainError(_("出结果时间早于采样时间"), field="resulted_at")
    before = {"result": test.result}
    test.result = result
    test.sampled_at = sampled_at
    test.resulted_at = resulted_at
    test.ct_value = ct_value
    test.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    test.save(update_fields=["result", "sampled_at", "resulted_at", "ct_value", "recorded_by"])
    audit_record(
        actor=actor,
        event_type=events.TEST_RECORDED,
        obj=test,
        before=before,
        after={"result": result, "phase": phase, "day": test.day_number, "sampled_at": sampled_at, "ct": ct_value},
    )
    if result == Result.POSITIVE:
        _turn_positive(actor=actor, episode=episode, test=test, at=resulted_at)
    test.episode = episode
    return test


def _turn_positive(*, actor: Any, episode: IsolationEpisode, test: ScheduledTest, at: dt.datetime) -> None:
    """A positive ends the episode and hands the person to 快转 (cases) in the same transaction."""
    from .handoff import on_positive

    stay = end_stay(episode, at=at, reason=StayEnd.TURNED_POSITIVE)
    reason = _("%(phase)s第 %(n)s 天核酸阳性") % {"phase": test.get_phase_display(), "n": test.day_number}
    before = end_episode(episode, to=EpisodeStatus.TURNED_POSITIVE, at=at, reason=reason, action=_("转为阳性"))
    episode.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.TURNED_POSITIVE,
        obj=episode,
        before={"status": before},
        after={"status": episode.status, "test": test.pk, "room": stay.room_id if stay else None, "site": episode.site_id},
    )
    on_positive(episode, test)


@transaction.atomic
def test_record(
    *,
    actor: Any,
    test: ScheduledTest,
    result: str,
    sampled_at: dt.datetime,
    resulted_at: dt.datetime | None = None,
    ct_value: float | None = None,
) -> ScheduledTest:
    """The site records a central-phase test result. A positive ends the episode (turned_positive)."""
    require(actor, IsolationCap.MANAGE)
    require_episode(actor, test.episode)
    return _record(
        actor=actor,
        test=test,
        phase=TestPhase.CENTRAL,
        allowed=(EpisodeStatus.CHECKED_IN,),
        result=result,
        sampled_at=sampled_at,
        resulted_at=resulted_at,
        ct_value=ct_value,
    )


@transaction.atomic
def home_test_record(
    *,
    actor: Any,
    test: ScheduledTest,
    result: str,
    sampled_at: dt.datetime,
    resulted_at: dt.datetime | None = None,
    ct_value: float | None = None,
) -> ScheduledTest:
    """The community records a home-phase test result. A positive ends the episode (turned_positive)."""
    require(actor, IsolationCap.HANDOVER)
    require_episode(actor, test.episode)
    return _record(
        actor=actor,
        test=test,
        phase=TestPhase.HOME,
        allowed=(EpisodeStatus.HANDED_OVER, EpisodeStatus.HOME_ISOLATION),
        result=result,
        sampled_at=sampled_at,
        resulted_at=resulted_at,
        ct_value=ct_value,
    )


test_record.__test__ = False  # type: ignore[attr-defined]  # a service, not a pytest test (tests import it by name)
