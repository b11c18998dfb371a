"""The synthetic 快检 round, step by step through the 快检 services (the package's docstring tells it)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from tqdm import tqdm

from fangkong.accounts.models import GrantLevel, User
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.crypto import Sealer
from fangkong.core.roles import Role
from fangkong.geo.models import Community, District, Grid, Household, Person
from fangkong.geo.synthetic.names import NameMaker
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..choices import CheckOutcome, PoolingMode, StickerStatus
from ..models import (
    Laboratory,
    ResamplingTask,
    SamplingPoint,
    TestingRound,
)
from ..services import (
    AreaSpec,
    Binding,
    MemberCheck,
    bulk_bind,
    household_check_record,
    laboratory_create,
    resampling_collect,
    results_ingest,
    round_plan,
    sampling_point_create,
    tube_open,
    tube_receive,
)
from .pieces import lab_result, pack_tubes
from .plan import (
    BEIJING,
    BIND_WINDOW,
    COMMUNITY_POSITIVE_DISTRICT,
    DEMO_COMMUNITY,
    DEMO_DISTRICT,
    DEMO_LABS,
    DEMO_STREET,
    DOOR_KNOCKS,
    LAB_USERNAME,
    MEMBER_GAP,
    OPENING_HOURS,
    OVERDUE_TUBES,
    PLANNER_USERNAME,
    POOL,
    SAMPLING_HOURS,
    SEALED_ELSEWHERE,
    SEALED_POSITIVES,
    WHEREABOUTS,
)

# ---------------------------------------------------------------- the generator


@dataclass
class _Resident:
    id: int
    district_id: int
    community_id: int
    grid_id: int | None
    household_id: int | None


@dataclass
class _Tube:
    barcode: str
    community_id: int
    district_id: int
    point_id: int
    mode: str
    sampled_at: dt.datetime
    members: list[_Resident] = field(default_factory=list)
    lab: Laboratory | None = None
    received_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    positive: bool = False
    withheld: bool = False  # received, never reported (overdue)


_service_account = partial(service_account, reason=gettext_noop("合成检测轮次"))


class Story:
    def __init__(self, *, actor: Any, seed: int, number: int, coverage: float, starts_at: dt.datetime, progress: bool) -> None:
        self.rng = random.Random(seed)
        self.number, self.coverage, self.start, self.progress = number, coverage, starts_at, progress
        self.planner = actor or _service_account(PLANNER_USERNAME, Role.COMMAND_CENTRE, "合成数据·指挥部（演示）", level=GrantLevel.CITY)
        self.lab_users: dict[int, User] = {}
        self.tubes: list[_Tube] = []
        self.seq = 0

    def barcode(self, prefix: str = "HT") -> str:
        self.seq += 1
        return f"{prefix}{self.number:02d}{self.seq:07d}"

    def at(self, hours: float) -> dt.datetime:
        return self.start + dt.timedelta(hours=hours)

    # -------- the run, in the order the day unfolds

    def run(self) -> TestingRound:
        self.labs = self.laboratories()
        communities = list(Community.objects.order_by("id"))
        self.points = self.sampling_points(communities)
        self.pick_places(communities)
        self.assign_labs()
        self.declare_risk_areas()
        self.round = round_plan(
            actor=self.planner,
            number=self.number,
            name=f"第{self.number}轮全员核酸检测",
            starts_at=self.start,
            areas=[
                AreaSpec("city", None, AreaClass.PRECAUTION),
                # 管控区 and 封控区: their class is the risk area's in force (zoning), read by round_plan.
                AreaSpec("community", self.focus.pk),
                *(AreaSpec("community", c.pk) for c in self.sealed),
            ],
        )
        residents = self.residents()
        self.pack(residents)
        self.bind()
        self.choose_outcomes()
        self.receive()
        self.report()
        self.resample()
        self.knock_on_doors(residents)
        return self.round

    def declare_risk_areas(self) -> None:
        """The sealed communities and the focus community were declared two days before the round."""
        since = self.start - dt.timedelta(days=2)
        for community in self.sealed:
            area_declare(
                actor=self.planner,
                name=f"{community.name}封控区",
                area_class=AreaClass.SEALED,
                places=[("community", community.pk)],
                reason="合成数据：社区内出现多例阳性，整社区封控",
                in_force_at=since,
            )
        area_declare(
            actor=self.planner,
            name=f"{self.focus.name}管控区",
            area_class=AreaClass.CONTROLLED,
            places=[("community", self.focus.pk)],
            reason="合成数据：与封控区相邻，划为管控区",
            in_force_at=since,
        )

    def laboratories(self) -> list[Laboratory]:
        labs = []
        for name, code in DEMO_LABS:
            lab = Laboratory.objects.filter(Q(name=name) | Q(code=code)).order_by("id").first()
            lab = lab or laboratory_create(actor=self.planner, name=name, code=code)
            labs.append(lab)
            self.lab_users[lab.pk] = _service_account(
                LAB_USERNAME.format(code=lab.code.lower()),
                Role.LABORATORY,
                f"{lab.name}（合成数据）",
                level=GrantLevel.FACILITY,
                place_id=lab.pk,
                kind="laboratory",
            )
        return labs

    def assign_labs(self) -> None:
        """The demo district's tubes go to the first laboratory (the demo `lab` account's); the other
        districts, largest first, to the laboratory with the fewest residents so far."""
        sizes = dict(Person.objects.values_list("district_id").annotate(n=Count("id")).order_by())
        load = dict.fromkeys(range(len(self.labs)), 0)
        self.lab_of_district = {}
        districts = District.objects.values_list("pk", "code")
        for pk, _code in sorted(districts, key=lambda d: (d[0] != self.focus.district_id, -sizes.get(d[0], 0), d[1])):
            i = min(load, key=lambda k: (load[k], k))
            self.lab_of_district[pk] = self.labs[i]
            load[i] += sizes.get(pk, 0)

    def sampling_points(self, communities: list[Community]) -> dict[int, SamplingPoint]:
        names = NameMaker(self.rng)
        existing = {(p.community_id, p.name): p for p in SamplingPoint.objects.filter(name__endswith="核酸采样点")}
        points = {}
        for c in communities:
            name = f"{c.name}核酸采样点"
            point = existing.get((c.pk, name))
            staff = "、".join(names.han(names.surname(), sex, 1990) for sex in ("F", "M", "F"))
            points[c.pk] = point or sampling_point_create(
                actor=self.planner,
                community=c,
                name=name,
                address=f"{c.name}党群服务中心广场",
                opening_hours=OPENING_HOURS,
                staff_names=staff,
            )
        return points

    def pick_places(self, communities: list[Community]) -> None:
        """The demo community (管控区), two sealed communities and the community of the 社会面 positive."""
        sizes = dict(Person.objects.filter(community__isnull=False).values_list("community_id").annotate(n=Count("id")).order_by())
        peopled = [c for c in communities if sizes.get(c.pk, 0) >= 20] or [c for c in communities if sizes.get(c.pk)]
        district_code = dict(District.objects.values_list("pk", "code"))
        focus = Community.objects.filter(name=DEMO_COMMUNITY, street__name=DEMO_STREET, street__district__code=DEMO_DISTRICT).first()
        if focus is None or not sizes.get(focus.pk):
            focus = max(peopled, key=lambda c: (sizes[c.pk], -c.pk))
        self.focus = focus
        self.demo_grid = Grid.objects.filter(community=focus).order_by("id").first()
        others = [c for c in peopled if c.pk != focus.pk]
        near = [c for c in others if c.district_id == focus.district_id]
        far = [c for c in others if c.district_id != focus.district_id]
        sealed: list[Community] = []
        if near:
            sealed.append(self.rng.choice(near))
        prefer = [c for c in far if district_code[c.district_id] == SEALED_ELSEWHERE] or far or [c for c in near if c not in sealed]
        if prefer:
            sealed.append(self.rng.choice(prefer))
        self.sealed = sealed
        sealed_ids = {c.pk for c in sealed}
        open_ = [c for c in others if c.pk not in sealed_ids]
        prefer = [c for c in open_ if district_code[c.district_id] == COMMUNITY_POSITIVE_DISTRICT] or [
            c for c in open_ if c.district_id != focus.district_id
        ]
        self.open_community = self.rng.choice(prefer or open_) if (prefer or open_) else None

    def residents(self) -> list[_Resident]:
        rows = (
            Person.objects.filter(community__isnull=False)
            .order_by("community_id", "grid_id", "household_id", "id")
            .values_list("id", "district_id", "community_id", "grid_id", "household_id")
        )
        return [_Resident(*r) for r in rows.iterator(chunk_size=20_000)]

    def pack(self, residents: list[_Resident]) -> None:
        """Who is sampled (≈ coverage), into which tube, at which point and when."""
        rng = self.rng
        sealed = {c.pk for c in self.sealed}
        sampled = [r for r in residents if rng.random() < self.coverage]
        # The demo grid's door-knocking list must have households to visit.
        chosen = {r.id for r in sampled}
        missing_households = {r.household_id for r in residents if r.grid_id == self.demo_grid_id and r.household_id and r.id not in chosen}
        if self.demo_grid is not None and len(missing_households) < DOOR_KNOCKS + 3:
            by_household = defaultdict(list)
            for r in sampled:
                if r.grid_id == self.demo_grid_id and r.household_id is not None and r.household_id not in missing_households:
                    by_household[r.household_id].append(r)
            need = DOOR_KNOCKS + 3 - len(missing_households)
            drop = {members[-1].id for _h, members in sorted(by_household.items())[1 : 2 * need : 2]}
            sampled = [r for r in sampled if r.id not in drop]
        # One resident of an open community is swabbed alone (a single tube): the 社会面 positive.
        self.community_case: _Resident | None = None
        if self.open_community is not None:
            candidates = [r for r in sampled if r.community_id == self.open_community.pk]
            self.community_case = rng.choice(candidates) if candidates else None
        pooled = [r for r in sampled if r is not self.community_case]
        capacity = {True: 1, False: 10}
        by_community: dict[int, list[tuple[int, _Resident]]] = defaultdict(list)
        for tube_no, community, r in pack_tubes(((r, r.community_id) for r in pooled), lambda c: capacity[c in sealed]):
            by_community[community].append((tube_no, r))
        span = dt.timedelta(hours=SAMPLING_HOURS)
        for community, rows in by_community.items():
            numbers = sorted({n for n, _r in rows})
            first = numbers[0]
            mode = PoolingMode.SINGLE if community in sealed else POOL
            tubes: dict[int, _Tube] = {}
            for n, r in rows:
                t = tubes.get(n)
                if t is None:
                    when = self.start + span * (n - first) / len(numbers)
                    t = tubes[n] = _Tube(
                        self.barcode(), community, r.district_id, self.points[community].pk, mode, when.replace(microsecond=0)
                    )
                t.members.append(r)
            self.tubes.extend(tubes.values())
        if self.community_case is not None:
            r = self.community_case
            self.tubes.append(
                _Tube(self.barcode(), r.community_id, r.district_id, self.points[r.community_id].pk, PoolingMode.SINGLE, self.at(2.25))
            )
            self.tubes[-1].members.append(r)
            self.tubes[-1].positive = True
        self.sampled_ids = {r.id for t in self.tubes for r in t.members}

    @property
    def demo_grid_id(self) -> int | None:
        return self.demo_grid.pk if self.demo_grid else None

    def bind(self) -> None:
        """bulk_bind, one request per ten minutes of sampling across the city (as sampling apps post)."""
        windows: dict[int, list[Binding]] = defaultdict(list)
        for t in self.tubes:
            for i, r in enumerate(t.members):
                when = t.sampled_at + MEMBER_GAP * i
                # The point and the pooling matter when the tube is opened, by its first swab.
                first = i == 0
                windows[int((when - self.start) / BIND_WINDOW)].append(
                    Binding(
                        barcode=t.barcode,
                        person_id=r.id,
                        sampled_at=when,
                        sampling_point_id=t.point_id if first else None,
                        pooling_mode=t.mode if first else "",
                    )
                )
        sealer = Sealer()
        with tqdm(total=len(self.sampled_ids), unit="人", unit_scale=True, disable=not self.progress, desc="采样登记") as bar:
            for index in sorted(windows):
                report = bulk_bind(
                    actor=self.planner,
                    testing_round=self.round,
                    bindings=windows[index],
                    at=self.start + BIND_WINDOW * (index + 1),
                    sealer=sealer,
                )
                bar.update(report.members_added)

    def choose_outcomes(self) -> None:
        """Which tubes are positive, which are never reported, when each is received and reported."""
        rng = self.rng
        pooled = [t for t in self.tubes if t.mode == POOL and len(t.members) == 10]
        in_grid = [t for t in pooled if all(r.grid_id == self.demo_grid_id for r in t.members)]
        if len(in_grid) < 2:
            in_grid = [t for t in pooled if t.community_id == self.focus.pk]
        self.open_pool, self.retested_pool = rng.sample(in_grid, 2) if len(in_grid) >= 2 else (None, None)
        taken = {id(self.open_pool), id(self.retested_pool)}
        district = [t for t in pooled if t.district_id == self.focus.district_id and t.community_id != self.focus.pk and id(t) not in taken]
        district = district or [t for t in pooled if t.community_id == self.focus.pk and id(t) not in taken]
        self.other_pool = rng.choice(district) if district else None
        for t in (self.open_pool, self.retested_pool, self.other_pool):
            if t is not None:
                t.positive = True
        for community, n in zip(self.sealed, SEALED_POSITIVES, strict=False):
            singles = [t for t in self.tubes if t.community_id == community.pk]
            for t in rng.sample(singles, min(n, len(singles))):
                t.positive = True
        early = [t for t in pooled if not t.positive and t.community_id != self.focus.pk and t.sampled_at < self.at(1)] or [
            t for t in pooled if not t.positive and t.sampled_at < self.at(1)
        ]
        withheld = rng.sample(early, min(OVERDUE_TUBES, len(early)))
        # One of them in the demo community's district (another community of it if one was sampled,
        # else the demo community): the district's and street's 三快一严 board have a late tube too.
        near = [t for t in pooled if not t.positive and t.district_id == self.focus.district_id and t.sampled_at < self.at(1)]
        near = sorted((t for t in near if t not in withheld), key=lambda t: t.community_id == self.focus.pk)  # another community first
        if withheld and near and not any(t.district_id == self.focus.district_id for t in withheld):
            withheld[-1] = near[0]
        for t in withheld:
            t.withheld = True
        for t in self.tubes:
            t.lab = self.lab_of_district[t.district_id]
            # The courier leaves on the hour; tubes reach the lab half an hour later.
            last_swab = t.sampled_at + MEMBER_GAP * (len(t.members) - 1)
            hours = -(-(last_swab - self.start) // dt.timedelta(hours=1))
            t.received_at = self.start + dt.timedelta(hours=hours, minutes=30)
            t.reported_at = (t.received_at + dt.timedelta(minutes=rng.randint(150, 480))).replace(second=0)

    def receive(self) -> None:
        batches: dict[tuple[int, dt.datetime], list[str]] = defaultdict(list)
        for t in self.tubes:
            batches[(t.lab.pk, t.received_at)].append(t.barcode)
        labs = {lab.pk: lab for lab in self.labs}
        for (lab_id, when), barcodes in sorted(batches.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            tube_receive(actor=self.lab_users[lab_id], testing_round=self.round, laboratory=labs[lab_id], barcodes=barcodes, at=when)

    def ct(self) -> tuple[float, float]:
        orf = round(self.rng.uniform(18.0, 32.0), 1)
        return orf, round(min(orf + self.rng.uniform(-2.0, 2.5), 34.5), 1)

    def upload(self, lab: Laboratory, tubes: list[_Tube], at: dt.datetime) -> None:
        """One result file: rows in report order from spreadsheet row 2 (the header is row 1)."""
        rows = []
        for i, t in enumerate(sorted(tubes, key=lambda t: (t.reported_at, t.barcode))):
            if t.positive:
                rows.append(lab_result(i + 2, t.barcode, t.reported_at, positive=True, ct=self.ct()))
            else:
                rows.append(lab_result(i + 2, t.barcode, t.reported_at))
        local = timezone.localtime(at, BEIJING)
        results_ingest(
            actor=self.lab_users[lab.pk],
            testing_round=self.round,
            laboratory=lab,
            rows=rows,
            source=f"{lab.code}-{local:%Y%m%d-%H%M}.csv",
            at=at,
        )

    def report(self) -> None:
        """Each lab uploads its results on the hour: one file per lab per hour."""
        uploads: dict[tuple[int, dt.datetime], list[_Tube]] = defaultdict(list)
        for t in self.tubes:
            if not t.withheld:
                hours = -(-(t.reported_at - self.start) // dt.timedelta(hours=1))
                uploads[(t.lab.pk, self.start + dt.timedelta(hours=hours))].append(t)
        labs = {lab.pk: lab for lab in self.labs}
        self.pool_reported_at = {}
        total = sum(len(v) for v in uploads.values())
        with tqdm(total=total, unit="管", unit_scale=True, disable=not self.progress, desc="检测结果") as bar:
            for (lab_id, at), tubes in sorted(uploads.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                self.upload(labs[lab_id], tubes, at)
                for t in tubes:
                    self.pool_reported_at[t.barcode] = at
                bar.update(len(tubes))

    def resample(self) -> None:
        """The members of two positive pools are swabbed at home and re-tested; one of each is positive."""
        done: list[_Tube] = []
        for pool in (self.retested_pool, self.other_pool):
            if pool is None:
                continue
            tasks = list(ResamplingTask.objects.filter(round=self.round, origin_tube__barcode=pool.barcode).order_by("person_id"))
            positive = self.rng.choice(tasks).person_id if tasks else None
            first = self.pool_reported_at[pool.barcode] + dt.timedelta(minutes=90)
            for i, task in enumerate(tasks):
                when = first + dt.timedelta(minutes=8 * i)
                barcode = self.barcode("HD")
                resampling_collect(actor=self.planner, task=task, barcode=barcode, at=when)
                t = _Tube(barcode, pool.community_id, pool.district_id, pool.point_id, PoolingMode.SINGLE, when)
                t.positive = task.person_id == positive
                done.append(t)
        self.resample_tubes = done

    def knock_on_doors(self, residents: list[_Resident]) -> None:
        """Visits to households of the demo grid with someone not sampled; the evening's lab run follows."""
        grid = self.demo_grid
        missing: dict[int, list[_Resident]] = defaultdict(list)
        for r in residents:
            if r.grid_id == self.demo_grid_id and r.household_id is not None and r.id not in self.sampled_ids:
                missing[r.household_id].append(r)
        households = sorted(missing)
        visits = self.rng.sample(households, min(DOOR_KNOCKS, len(households))) if grid else []
        outcomes = [CheckOutcome.AWAY, CheckOutcome.BEDRIDDEN, CheckOutcome.REFUSED, CheckOutcome.SAMPLED_ON_SPOT, CheckOutcome.AWAY]
        household_of = Household.objects.in_bulk(visits)
        on_spot: list[_Tube] = []
        point = self.points[self.focus.pk]
        for i, (household_id, outcome) in enumerate(zip(sorted(visits), outcomes, strict=False)):
            when = self.at(8 + 0.25 * i)  # from 15:00
            members = []
            for k, r in enumerate(missing[household_id]):
                if outcome == CheckOutcome.BEDRIDDEN and k > 0:
                    outcome = CheckOutcome.AWAY  # the bedridden resident's family is out
                if outcome == CheckOutcome.SAMPLED_ON_SPOT:
                    tube = tube_open(
                        actor=self.planner, testing_round=self.round, sampling_point=point, barcode=self.barcode("HD"),
                        pooling_mode=PoolingMode.SINGLE, at=when,
                    )  # fmt: skip
                    on_spot.append(_Tube(tube.barcode, r.community_id, r.district_id, point.pk, PoolingMode.SINGLE, when))
                    members.append(MemberCheck(r.id, outcome, barcode=tube.barcode))
                elif outcome == CheckOutcome.AWAY:
                    members.append(MemberCheck(r.id, outcome, whereabouts=self.rng.choice(WHEREABOUTS)))
                elif outcome == CheckOutcome.REFUSED:
                    members.append(MemberCheck(r.id, outcome, note="多次劝导未果，已报告社区"))
                else:
                    members.append(MemberCheck(r.id, outcome, note="长期卧床，需上门采样"))
            household_check_record(
                actor=self.planner,
                testing_round=self.round,
                household=household_of[household_id],
                members=members,
                sticker=StickerStatus.POSTED,
                at=when,
            )
        self.evening_run(self.resample_tubes + on_spot)

    def evening_run(self, tubes: list[_Tube]) -> None:
        """The door-to-door tubes of the afternoon: received from 19:00, reported about three hours later."""
        by_lab: dict[int, list[_Tube]] = defaultdict(list)
        for t in tubes:
            t.lab = self.lab_of_district[t.district_id]
            by_lab[t.lab.pk].append(t)
        for lab_id, batch in sorted(by_lab.items()):
            lab = batch[0].lab
            received = max(self.at(12), max(t.sampled_at for t in batch) + dt.timedelta(minutes=30))
            tube_receive(
                actor=self.lab_users[lab_id], testing_round=self.round, laboratory=lab, barcodes=[t.barcode for t in batch], at=received
            )
            for t in batch:
                t.reported_at = received + dt.timedelta(hours=3, minutes=self.rng.randint(0, 30))
            self.upload(lab, batch, max(t.reported_at for t in batch) + dt.timedelta(minutes=5))
