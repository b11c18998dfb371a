"""A synthetic door-to-door screening of a high-risk area today — for the demo and its tests.

The demo's risk areas (fangkong.zoning.synthetic) include one due to lift today: in force for five
days, its day-5 screening sampled today, everyone negative. A testing round is sampled once per
person, and the demo's round 8 was sampled days ago, so today's screening is a small round of its
own, "第 N 轮 高风险区第5天筛查", driven through the services as the pages would: planned over the
grids of the area's households (`round_plan`, which plans the 上门采样 tasks of the high-risk areas
in force there), each household of the area sampled at its door in one tube (`door_sampling_collect`,
1户1管 where the policy allows it), the tubes received and reported negative by a laboratory
(`tube_receive`, `results_ingest`), and the round closed — it is done, and the demo's current round
stays round 8. Times lie between today's midnight and now, whatever the hour.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import Max
from django.utils.translation import gettext_noop

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.policy.regimen import local_date, local_midnight

from ..choices import PoolingMode, RoundStatus
from ..models import DoorSamplingTask, Laboratory, TestingRound
from ..services import AreaSpec, door_sampling_collect, results_ingest, round_plan, round_set_status, tube_receive
from .pieces import lab_result
from .plan import LAB_USERNAME, PLANNER_USERNAME

_service_account = partial(service_account, reason=gettext_noop("合成检测轮次"))


def screening_times(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When today's screening is sampled and reported: after today's midnight (Beijing) and not after
    now, reported after sampled — at 07:00 when the hour allows, three hours before now until then,
    and in the first third of the day so far when that is earlier (a minute after midnight too)."""
    midnight = local_midnight(local_date(now))
    span = now - midnight
    sampled = midnight + min(dt.timedelta(hours=7), max(span - dt.timedelta(hours=3), span / 3))
    reported = sampled + (now - sampled) / 2
    return sampled, reported


def door_screening_generate(*, person_ids: list[int], now: dt.datetime) -> TestingRound:
    """Sample `person_ids` (the residents of a high-risk area) at their doors today, all negative."""
    planner = _service_account(PLANNER_USERNAME, Role.COMMAND_CENTRE, "合成数据·指挥部（演示）", level=GrantLevel.CITY)
    lab = Laboratory.objects.order_by("id").first()
    if lab is None or not person_ids:
        raise DomainError("没有检测机构或居民 / no laboratory or residents: generate the testing round first", rule="testing.synthetic")
    lab_user = _service_account(
        LAB_USERNAME.format(code=lab.code.lower()), Role.LABORATORY, f"{lab.name}（合成数据）", level=GrantLevel.FACILITY,
        place_id=lab.pk, kind="laboratory",
    )  # fmt: skip
    sampled, reported = screening_times(now)
    people = Person.objects.filter(pk__in=person_ids, household__isnull=False)
    grids = sorted({g for g in people.values_list("household__grid_id", flat=True) if g})
    number = (TestingRound.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    testing_round = round_plan(
        actor=planner,
        number=number,
        name=f"第{number}轮 高风险区第5天筛查",
        areas=[AreaSpec("grid", g) for g in grids],
        starts_at=sampled - dt.timedelta(minutes=1),
    )
    households = set(people.values_list("household_id", flat=True))
    barcodes: list[str] = []
    for i, task in enumerate(DoorSamplingTask.objects.filter(round=testing_round, household_id__in=households).order_by("id")):
        code = f"SC{number:02d}{i + 1:06d}"
        residents = Person.objects.filter(household_id=task.household_id).values_list("pk", flat=True)
        if task.pooling_mode == PoolingMode.SINGLE:
            codes = {pid: f"{code}{j}" for j, pid in enumerate(residents)}
        else:
            codes = dict.fromkeys(residents, code)
        door_sampling_collect(actor=planner, task=task, barcodes=codes, at=sampled)
        barcodes.extend(sorted(set(codes.values())))
    if barcodes:
        tube_receive(actor=lab_user, testing_round=testing_round, laboratory=lab, barcodes=barcodes, at=sampled + (reported - sampled) / 2)
        rows = [lab_result(i + 1, b, reported) for i, b in enumerate(barcodes)]
        results_ingest(actor=lab_user, testing_round=testing_round, laboratory=lab, rows=rows, source="screening.csv", at=reported)
    return round_set_status(actor=planner, testing_round=testing_round, status=RoundStatus.CLOSED)


__all__ = ["door_screening_generate", "screening_times"]
