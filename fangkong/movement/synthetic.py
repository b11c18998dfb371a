"""Synthetic orderly movement on the demo city — for the demo and its pages.

`movement_generate` goes through the movement services, as the pages would, in the demo district
(新城区, the `district` demo login's):

- three checkpoints proposed by the traffic group and approved by another of its staff (the one
  closing a trunk road, with its request's reference, by the city's command: 报批), a fourth still
  proposed (waiting for approval: nothing is logged or scanned there), and today's log of vehicles
  checked at each approved one, three travellers with a fever recorded with their temperature and
  what was done (转运发热门诊, 隔离观察, 复测正常);
- vehicle passes: one used and its trip completed (passed at one checkpoint, arrived at the other),
  then shown again and refused as reused; one in use (passed once), then shown on another car and
  refused (wrong plate: no lending); one revoked; one awaiting approval; and a forged code (one
  field altered) refused at a checkpoint;
- departure applications of residents of the demo community (迎宾南路社区), filed and decided all at
  once under the active policy against the demo round's results (a negative within 48 h), the risk
  areas and the people's states; approved travellers on a coach to 赤峰市, the rest by car or waiting;
- point-to-point batches: a university's students checked, boarded and handed over at 巴彦淖尔市 —
  the handover confirmed by the receiving unit through its one-time link
  (one taken off for a fever, the reason kept) to a configured receiving unit (接收单位), which was
  told when they left and when they were handed over (two destination notices); and a company's
  migrant workers partly checked, waiting until all are ready (成熟一批、转运一批);
- a roster at the first checkpoint: police and medics in the Beijing clock's three eight-hour
  shifts from the one under way, with the medic missing from the next shift — one gap in the next
  24 hours, whatever the hour the demo is built;
- two residents' own applications (居民自助申请) waiting for the demo community's worker to confirm.

Times are now and the last few hours. Deterministic for a seed, the registry and the hour.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Community, District, Person
from fangkong.policy.regimen import local_date, local_midnight

from . import codes, signing
from .choices import ApplicationStatus, CheckpointRole, CheckpointStatus, FeverAction, SelfApplicationStatus, TravelMode
from .models import (
    Checkpoint,
    CheckpointFever,
    DepartureApplication,
    DestinationNotice,
    HandoverLink,
    PassScan,
    ReceivingUnit,
    SelfApplication,
    TransferBatch,
    VehiclePass,
)
from .services.batches import VehiclePlan, batch_board, batch_check, batch_create, batch_depart, batch_plan
from .services.checkpoints import FeverReading, checkpoint_approve, checkpoint_create, checkpoint_log
from .services.departures import applications_decide, departure_assign, departure_create
from .services.handover import batch_receive_by_link, link_token
from .services.passes import pass_approve, pass_request, pass_revoke
from .services.scans import pass_scan
from .services.self_service import OwnApplication, self_apply
from .services.shifts import shifts_add

DEMO_DISTRICT = "150102"
DEMO_COMMUNITY = "迎宾南路社区"
REASON = "合成数据：有序流动演示"
DESTINATIONS = ["赤峰市", "通辽市", "巴彦淖尔市", "乌兰察布市", "包头市"]
DRIVERS = [
    ("王建军", "15010219800517901X"),
    ("李志刚", "150102198106019031"),
    ("张海涛", "150102197503120016"),
    ("刘永强", "150102198811230019"),
]
PLATES = ["蒙A12345", "蒙A6F789", "蒙AD23456", "蒙A8K520"]
RECEIVER = ("巴彦淖尔市临河区疫情防控指挥部", "巴彦淖尔市临河区")
SHIFT = dt.timedelta(hours=8)
ROSTER = {  # who takes the four shifts from the one under way; None: nobody (the gap)
    CheckpointRole.POLICE: ["交警 赵振华", "交警 钱立新", "交警 孙国栋", "交警 赵振华"],
    CheckpointRole.MEDIC: ["医生 周丽娟", None, "护士 吴晓燕", "医生 周丽娟"],
}


@dataclass
class MovementStats:
    checkpoints: int = 0
    proposed: int = 0
    logs: int = 0
    fevers: int = 0
    passes: dict[str, int] = field(default_factory=dict)
    scans: dict[str, int] = field(default_factory=dict)
    applications: dict[str, int] = field(default_factory=dict)
    seated: int = 0
    batches: dict[str, int] = field(default_factory=dict)
    notices: int = 0
    shifts: int = 0
    own_waiting: int = 0
    seconds: float = 0.0


def format_stats(s: MovementStats) -> str:
    head = (
        f"{s.checkpoints} 个卡口（另 {s.proposed} 个待审批）, {s.logs} 条检查记录（发热 {s.fevers} 人）; 通行证 {s.passes}; 核验 {s.scans}"
    )
    tail = f"目的地通知 {s.notices} 条; 卡口班次 {s.shifts} 个; 居民自助申请待核实 {s.own_waiting} 份"
    return f"{head}; 离开申请 {s.applications}, 大巴乘客 {s.seated} 人; 点对点批次 {s.batches}; {tail} — {s.seconds:.1f} s"


def movement_generate(*, seed: int = 2022, now: dt.datetime | None = None) -> MovementStats:
    started = time.monotonic()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        district = District.objects.filter(code=DEMO_DISTRICT).first()
        if district is None or not Person.objects.filter(district=district).exists():
            raise DomainError("演示城市中没有新城区人员，请先生成演示城市 / build the demo city first", rule="movement.synthetic")
        if VehiclePass.objects.exists():
            raise DomainError("演示通行证已存在 / the demo passes exist", rule="movement.synthetic")
        traffic = service_account(
            "synthetic-movement", Role.DISTRICT_OFFICE, "合成数据：交通组", level=GrantLevel.DISTRICT, place_id=district.pk, reason=REASON
        )
        approver = service_account(
            "synthetic-movement-approver",
            Role.DISTRICT_OFFICE,
            "合成数据：交通组审批",
            level=GrantLevel.DISTRICT,
            place_id=district.pk,
            reason=REASON,
        )
        command = service_account(
            "synthetic-movement-command", Role.COMMAND_CENTRE, "合成数据：市指挥部交通组", level=GrantLevel.CITY, reason=REASON
        )
        checkpoints = _checkpoints(traffic, approver, command, district, rng, now)
        shifts = demo_roster(approver, checkpoints[0], now)
        _passes(traffic, approver, district, checkpoints, now)
        _departures(traffic, district, rng, now)
        _batches(traffic, district, rng, now)
        demo_own_applications(district, now)
    return MovementStats(
        checkpoints=len(checkpoints),
        proposed=Checkpoint.objects.filter(status=CheckpointStatus.PROPOSED).count(),
        logs=sum(cp.logs.count() for cp in checkpoints),
        fevers=CheckpointFever.objects.count(),
        passes=dict(VehiclePass.objects.values_list("status").annotate(n=Count("id")).order_by()),
        scans=dict(PassScan.objects.values_list("outcome").annotate(n=Count("id")).order_by()),
        applications=dict(DepartureApplication.objects.values_list("status").annotate(n=Count("id")).order_by()),
        seated=DepartureApplication.objects.filter(status=ApplicationStatus.ASSIGNED).count(),
        batches=dict(TransferBatch.objects.values_list("status").annotate(n=Count("id")).order_by()),
        notices=DestinationNotice.objects.count(),
        shifts=shifts,
        own_waiting=SelfApplication.objects.filter(status=SelfApplicationStatus.PENDING).count(),
        seconds=time.monotonic() - started,
    )


FEVERS = {  # (checkpoint, vehicle) → the travellers with a fever and what was done
    (0, 3): [FeverReading("38.4", FeverAction.FEVER_CLINIC)],
    (1, 6): [FeverReading("37.6", FeverAction.RETEST_NORMAL, "36.9")],
    (2, 5): [FeverReading("37.9", FeverAction.ISOLATION), FeverReading("38.1", FeverAction.FEVER_CLINIC)],
}


def _checkpoints(actor: Any, approver: Any, command: Any, district: Any, rng: random.Random, now: dt.datetime) -> list[Any]:
    specs = [
        ("金桥收费站卡口", "G6 京藏高速 金桥收费站", False, ""),
        ("呼包高速东出口检测点", "呼包高速 东出口", False, ""),
        ("G110 国道小黑河检测点", "G110 国道", True, "呼疫指〔2022〕交通 17 号"),
    ]
    made = [
        checkpoint_create(actor=actor, district=district, name=n, road=r, closes_trunk_road=c, approval_reference=a) for n, r, c, a in specs
    ]
    made = [
        checkpoint_approve(
            actor=command if cp.closes_trunk_road else approver,
            checkpoint=cp,
            reason="同意临时封闭" if cp.closes_trunk_road else "同意",
            detour_notice="经 G6 京藏高速金桥互通绕行（交警支队 12 月 7 日公告）" if cp.closes_trunk_road else "",
        )
        for cp in made
    ]
    # Proposed and waiting for another of the traffic group to approve it.
    checkpoint_create(actor=actor, district=district, name="S104 省道保全庄检测点", road="S104 省道", closes_trunk_road=False)
    letters = "ABCDEFGHJKLM"
    for i, cp in enumerate(made):
        for k in range(8 + 3 * i):
            fevers = FEVERS.get((i, k), [])
            checkpoint_log(
                actor=actor,
                checkpoint=cp,
                plate=f"蒙{rng.choice(letters)}{rng.randint(10000, 99999)}",
                people=max(rng.randint(1, 5), len(fevers)),
                fevers=fevers,
                at=now - dt.timedelta(minutes=20 + 25 * k + 7 * i),
            )
    return made


def _passes(actor: Any, approver: Any, district: Any, checkpoints: list[Any], now: dt.datetime) -> None:
    start = now - dt.timedelta(hours=4)
    trips = [
        ("运送医疗物资（防护服、检测试剂）", "新城区金桥开发区", "包头市昆都仑区"),
        ("保供：蔬菜、肉蛋运输", "赛罕区东瓦窑批发市场", "新城区迎宾南路社区"),
        ("重点企业原材料运输", "托克托县工业园区", "新城区金桥开发区"),
        ("返岗人员接送", "新城区", "土默特左旗"),
    ]
    made = []
    for plate, (name, number), (purpose, origin, destination) in zip(PLATES, DRIVERS, trips, strict=True):
        made.append(
            pass_request(
                actor=actor,
                district=district,
                plate=plate,
                purpose=purpose,
                origin=origin,
                destination=destination,
                valid_from=start,
                valid_until=start + dt.timedelta(hours=24),
                driver_name=name,
                driver_id=number,
            )
        )
    used, in_use, revoked, _waiting = made
    for vp in (used, in_use, revoked):
        pass_approve(actor=approver, vehicle_pass=vp)
    pass_revoke(actor=approver, vehicle_pass=revoked, reason="运输任务取消")
    refs = iter(range(1, 100))

    def scan(vp: Any, cp: Any, minutes: int, **kw: Any) -> None:
        token = kw.pop("token", None) or codes.pass_token(VehiclePass.objects.get(pk=vp.pk))
        pass_scan(
            actor=actor,
            checkpoint=cp,
            token=token,
            client_ref=f"demo-{next(refs):04d}",
            scanned_at=now - dt.timedelta(minutes=minutes),
            **kw,
        )

    scan(used, checkpoints[0], 170, plate=used.plate, driver_id=DRIVERS[0][1])
    scan(used, checkpoints[1], 95, plate=used.plate, arrived=True)
    scan(used, checkpoints[2], 40, plate=used.plate)  # shown again after the trip: refused, reused
    scan(in_use, checkpoints[0], 60, plate=in_use.plate, driver_id=DRIVERS[1][1])
    scan(in_use, checkpoints[1], 30, plate="蒙A77777")  # lent to another car: refused
    token = codes.pass_token(VehiclePass.objects.get(pk=in_use.pk))
    head, body, sig = token.split(".")
    payload = signing.unb64url(body).replace(b"2", b"9", 1)  # one digit changed: the signature fails
    scan(in_use, checkpoints[2], 15, token=f"{head}.{signing.b64url(payload)}.{sig}")


def _departures(actor: Any, district: Any, rng: random.Random, now: dt.datetime) -> None:
    community = _demo_community(district)
    people = list(Person.objects.filter(community=community, household__isnull=False).order_by("id")[:400])
    chosen = rng.sample(people, min(60, len(people)))
    today = timezone.localdate(now)
    modes = [TravelMode.COACH] * 4 + [TravelMode.CAR, TravelMode.FLIGHT]
    DepartureApplication.objects.bulk_create(
        DepartureApplication(
            person=p,
            mode=rng.choice(modes),
            destination=rng.choice(DESTINATIONS),
            travel_date=today + dt.timedelta(days=rng.randint(0, 2)),
            district_id=p.district_id,
            street_id=p.street_id,
            community_id=p.community_id,
            grid_id=p.grid_id,
            filed_by=actor,
        )
        for p in chosen
    )
    applications_decide(actor=actor, at=now)
    coach = departure_create(
        actor=actor,
        district=district,
        mode=TravelMode.COACH,
        label="蒙A·K0031 大巴",
        destination="赤峰市",
        departs_at=now + dt.timedelta(hours=5),
        capacity=45,
    )
    ready = list(
        DepartureApplication.objects.filter(status=ApplicationStatus.APPROVED, mode=TravelMode.COACH).values_list("pk", flat=True)[:30]
    )
    if ready:
        departure_assign(actor=actor, departure=coach, application_ids=ready)
    departure_create(
        actor=actor,
        district=district,
        mode=TravelMode.FLIGHT,
        label="GS7561 包机",
        destination="通辽市",
        departs_at=now + dt.timedelta(days=1),
        capacity=150,
    )


def _batches(actor: Any, district: Any, rng: random.Random, now: dt.datetime) -> None:
    """Students handed over; migrant workers waiting. People with a negative within the window are
    chosen (the demo round), so the checks pass but for the fever put on one of them."""
    from fangkong.core.crypto import decrypt
    from fangkong.policy.rules import rule
    from fangkong.results.history import negatives_within

    from .eligibility import NEGATIVE_WINDOW_KEY

    on_departures = set(DepartureApplication.objects.values_list("person_id", flat=True))
    people = Person.objects.filter(district=district, household__isnull=False).exclude(pk__in=on_departures)
    pool = list(people.order_by("id").values_list("id", flat=True)[:3000])
    negative = sorted(negatives_within(pool, float(rule(NEGATIVE_WINDOW_KEY).value), at=now))
    if len(negative) < 20:
        return
    chosen = rng.sample(negative, 20)
    numbers = {p.pk: decrypt(p.id_cipher)[:18] for p in Person.objects.filter(pk__in=chosen)}
    receiver, _created = ReceivingUnit.objects.get_or_create(name=RECEIVER[0], defaults={"region": RECEIVER[1]})
    students = batch_create(
        actor=actor,
        district=district,
        kind="students",
        sending_unit="内蒙古工业大学",
        receiving_unit=RECEIVER[0],
        destination="巴彦淖尔市临河区",
        id_numbers=[numbers[p] for p in chosen[:12]],
        requested_count=12,
        pickup_at=now - dt.timedelta(hours=7),
        pickup_place="内蒙古工业大学新城校区南门",
        receiver=receiver,
    )
    members = list(students.members.order_by("id"))
    temps = {m.pk: (37.6 if i == 4 else round(rng.uniform(36.2, 36.9), 1)) for i, m in enumerate(members)}
    batch_check(actor=actor, batch=students, temperatures=temps, at=now - dt.timedelta(hours=6))
    # two minibuses, each with its driver (ID stored encrypted, shown masked)
    batch_plan(
        actor=actor,
        batch=students,
        vehicles=[VehiclePlan("蒙A·K0518", 7, "陈建国", DRIVERS[2][1]), VehiclePlan("蒙A·K0519", 7, "刘永强", DRIVERS[3][1])],
        route="G6 京藏高速 → 临河",
        departs_at=now - dt.timedelta(hours=5),
    )
    ready = [numbers[m.person_id] for m in students.members.filter(status="ready").order_by("id")]
    half = (len(ready) + 1) // 2
    for bus, group in zip(students.vehicles.order_by("id"), (ready[:half], ready[half:]), strict=True):
        if group:
            batch_board(actor=actor, batch=students, id_numbers=group, vehicle=bus.pk)
    batch_depart(actor=actor, batch=students)
    # 临河区 is outside the city: its office confirms through the one-time link its webhook received,
    # with the count and every name ticked (闭环).
    link = HandoverLink.objects.get(batch=students, used_at__isnull=True)
    arrived = list(students.members.filter(status="boarded").values_list("pk", flat=True))
    batch_receive_by_link(token=link_token(link), count=len(arrived), arrived=arrived, confirmed_by="临河区指挥部 王科长")
    workers = batch_create(
        actor=actor,
        district=district,
        kind="workers",
        sending_unit="呼和浩特某建筑公司",
        receiving_unit="赤峰市人力资源和社会保障局",
        destination="赤峰市松山区",
        id_numbers=[numbers[p] for p in chosen[12:]],
        requested_count=len(chosen[12:]),
        pickup_at=now + dt.timedelta(hours=20),
        pickup_place="呼和浩特某建筑公司工地生活区",
    )
    checked = list(workers.members.order_by("id")[:5])
    batch_check(
        actor=actor, batch=workers, temperatures={m.pk: round(rng.uniform(36.2, 36.9), 1) for m in checked}, at=now - dt.timedelta(hours=1)
    )


def _demo_community(district: Any) -> Community | None:
    return Community.objects.filter(district=district, name=DEMO_COMMUNITY).first() or Community.objects.filter(district=district).first()


def demo_roster(actor: Any, checkpoint: Any, now: dt.datetime) -> int:
    """The Beijing clock's eight-hour shifts (00–08, 08–16, 16–24) from the one under way, four of
    them (32 hours, past the next 24): police in each, a medic in each but the next — one gap."""
    midnight = local_midnight(local_date(now))
    current = midnight + SHIFT * ((now - midnight) // SHIFT)
    made = 0
    for role, names in ROSTER.items():
        for k, name in enumerate(names):
            if name is not None:
                start = current + SHIFT * k
                made += len(shifts_add(actor=actor, checkpoint=checkpoint, role=role, name=name, starts_at=start, ends_at=start + SHIFT))
    return made


def demo_own_applications(district: Any, now: dt.datetime) -> None:
    """Two residents of the demo community apply from their phones for tomorrow; they wait for the
    community's worker. People on no departure or batch first (the demo community has hundreds)."""
    from fangkong.core.crypto import decrypt

    community = _demo_community(district)
    taken = set(DepartureApplication.objects.values_list("person_id", flat=True)) | set(
        TransferBatch.objects.values_list("members__person_id", flat=True)
    )
    people = list(Person.objects.filter(community=community, household__isnull=False).order_by("id")[:400])
    people.sort(key=lambda p: p.pk in taken)  # stable: the free ones first, each part by id
    tomorrow = local_date(now) + dt.timedelta(days=1)
    for (mode, destination), p in zip([(TravelMode.CAR, "通辽市"), (TravelMode.COACH, "赤峰市")], people[:2], strict=False):
        phone = decrypt(p.phone_cipher) if p.phone_cipher else f"1391234{p.pk % 10000:04d}"
        self_apply(
            OwnApplication(
                name=p.name,
                id_number=decrypt(p.id_cipher)[:18],
                phone=phone,
                community_id=community.pk,
                mode=mode,
                destination=destination,
                travel_date=tomorrow,
            )
        )
