"""The city the scoping harness walks: in the home district (新城区) and in another (回民区), one of
everything an endpoint can show — a case on the transfer board, a patient, a person in home health
monitoring, a positive awaiting a case, people at every stage of isolation, an inbound traveller, an
incident, a traced contact — each person with a name found nowhere else, built once per module
through the same services and factories as the other tests (times in 2022, long past).

The users: the district office of the home district (a grant and every view capability), the
volunteer coordinator and the supervisor of the same district (a grant, no capability — but the
coordinator's own on the volunteers' pages), a district
office without a grant, the home hospital's staff and the city command centre (who builds it all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fangkong.cases.choices import Classification, FacilityKind
from fangkong.cases.models import HealthMonitoring
from fangkong.cases.services import case_discharge, case_test_record, transfer_admit, transfer_dispatch, transfer_pick_up
from fangkong.core.roles import Role
from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.isolation.choices import ArrivalMode, ExposureType, IncidentKind, TestPhase
from fangkong.isolation.models import ScheduledTest
from fangkong.isolation.services import RoomSpec, inbound_register, incident_record
from fangkong.isolation.tracing.services import contact_add
from fangkong.movement.choices import ApplicationStatus, TravelMode
from fangkong.movement.models import Checkpoint, DepartureApplication
from fangkong.movement.services.batches import batch_create
from fangkong.movement.services.departures import departure_create
from fangkong.movement.services.passes import pass_approve, pass_request
from fangkong.testing.models import ConfirmedPositive, DoorSamplingTask, ResamplingTask, TestingRound
from fangkong.testing.services import Binding, bulk_bind, door_sampling_plan
from fangkong.zoning.choices import AreaClass, DutyRole
from fangkong.zoning.services import area_declare
from fangkong.zoning.services.duty import duty_post_add, duty_shifts_add

from ..cases import factories as cf
from ..factories import ensure_reference_data, make_person, make_tree, make_user, next_id_number
from ..isolation import factories as isf
from ..isolation.pages import at_home, checked_in, released, waiting
from ..testing import factories as tf

HOME, FAR = "home", "far"
SHEET_DAY = dt.date(2022, 11, 15)  # the day after the residents' check-in: their day-2 test is due


@dataclass
class Subject:
    """One kind of thing an endpoint shows: the object in the home district and the one outside it
    (their primary keys, for detail URLs) and the names (or places) that must appear only to those
    who may see them."""

    home: int | tuple | None = None  # a tuple: the URL's arguments
    far: int | tuple | None = None
    home_names: tuple[str, ...] = ()
    far_names: tuple[str, ...] = ()
    personal: bool = True  # False: place names, shown to anyone with a grant (not counted as people)
    # What an endpoint's `query` names besides the URL's arguments, by side: {"home": {"place": 7}, …}
    params: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass
class World:
    users: dict[str, object]
    subjects: dict[str, Subject] = field(default_factory=dict)
    people: dict[str, object] = field(default_factory=dict)

    @property
    def every_name(self) -> set[str]:
        return {n for s in self.subjects.values() if s.personal for n in (*s.home_names, *s.far_names)}


# Names found nowhere else on the platform's pages (nor in the demo's name lists).
NAMES = {
    HOME: {
        "board": "韩梅梅",  # a case on the transfer board
        "patient": "邵青禾",  # a case admitted at the home district's hospital
        "monitored": "钟离秋",  # discharged, in home health monitoring
        "positive": "卫子衿",  # a positive awaiting a case
        "resident": "温澜",  # in central isolation (and named in an incident)
        "waiting": "程晓",  # identified, not yet isolated
        "released": "苏禾",  # released, awaiting handover
        "at_home": "沈溪",  # isolated at home
        "arrival": "纪南星",  # an inbound traveller
        "contact": "柯家明",  # a close contact of the board case
        "pooled": "夏知秋",  # in a positive pooled tube: a home re-sampling task
        "ledger": "闻人晚晴",  # on the 民生 ledger: paired, with an open request
    },
    FAR: {
        "board": "隋远方",
        "patient": "龚北川",
        "monitored": "欧阳雪",
        "positive": "霍去疾",
        "resident": "白露",
        "waiting": "简宁",
        "released": "陆遥",
        "at_home": "江离",
        "arrival": "祁北望",
        "contact": "岳北辰",
        "pooled": "冬至远",
        "ledger": "东方既白",
    },
}
EXPOSURE_PLACES = {HOME: "海棠巷七号院", FAR: "榆林道九号楼"}


def build() -> World:
    ensure_reference_data()
    isf.use_profile("twenty-measures")
    trees = {
        HOME: make_tree(household="701"),
        FAR: make_tree(district_code="150103", street="环河街街道", community="通顺社区", compound="通顺小区", household="702"),
    }
    command = make_user("sc-command", Role.COMMAND_CENTRE, [("city", None)])
    district = trees[HOME].district
    users = {
        "command": command,
        "office": make_user("sc-office", Role.DISTRICT_OFFICE, [("district", district)]),
        "volunteer": make_user("sc-volunteer", Role.VOLUNTEER_COORDINATOR, [("district", district)]),
        "supervisor": make_user("sc-supervisor", Role.SUPERVISOR, [("district", district)]),
        "nogrant": make_user("sc-nogrant", Role.DISTRICT_OFFICE, []),
    }
    world = World(users=users)
    people = {
        (side, key): make_person(make_tree(**_tree_args(side, i)).household, name)
        for side in (HOME, FAR)
        for i, (key, name) in enumerate(NAMES[side].items())
    }
    world.people = {f"{side}:{key}": p for (side, key), p in people.items()}

    def person(side: str, key: str):
        return people[(side, key)]

    def subject(key: str, home: object = None, far: object = None, *, names: str | tuple[str, ...] = (), extra: dict | None = None):
        keys = (names,) if isinstance(names, str) else names
        world.subjects[key] = Subject(
            home=getattr(home, "pk", home),
            far=getattr(far, "pk", far),
            home_names=tuple(NAMES[HOME][k] for k in keys) + tuple((extra or {}).get(HOME, ())),
            far_names=tuple(NAMES[FAR][k] for k in keys) + tuple((extra or {}).get(FAR, ())),
        )

    _places(world, trees, person, subject)
    board_cases = _cases(world, trees, person, subject)
    _positives(world, trees, person, subject)
    _isolation(world, trees, person, subject, board_cases)
    _zoning(world, trees)
    _door_sampling(world, person, subject)
    _movement(world, trees)
    _flags(world, trees)
    _supervision(world, trees)
    _livelihood(world, trees, person, subject)
    _volunteers(world, trees)
    return world


FLAG_TITLES = {HOME: "海棠里超范围划定", FAR: "榆林道超范围划定"}


def _flags(world: World, trees) -> None:
    """A system flag at each side's community (place names and rules only: not personal)."""
    flags = {}
    for side in (HOME, FAR):
        t = trees[side]
        at = dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC)
        flags[side] = Flag.objects.create(
            rule=FlagRuleCode.AREA_TOO_WIDE,
            kind=FlagKind.OVER,
            subject=f"scoping:{side}",
            title=FLAG_TITLES[side],
            district_id=t.district.pk,
            street_id=t.street.pk,
            community_id=t.community.pk,
            place_name=t.community.name,
            raised_at=at,
            seen_at=at,
            evidence=[{"ref": "zoning.riskarea", "id": 0, "text": FLAG_TITLES[side]}],
            item_count=1,
        )
    world.subjects["system_flag"] = Subject(flags[HOME].pk, flags[FAR].pk, (FLAG_TITLES[HOME],), (FLAG_TITLES[FAR],), personal=False)


def _livelihood(world: World, trees, person, subject) -> None:
    """民生保障 on each side: a community worker (the home one granted the district, the harness's
    viewer of these pages), a ledger resident paired with a member who is that worker's account, an
    open request routed to them, a district warehouse stocked with packs, and a community's pending
    request for supplies (no personal data: unit and place names)."""
    from fangkong.livelihood.choices import MemberKind, ReceiptSource, RequestKind, SupplyCategory, SupplyUnitKind, WarehouseKind
    from fangkong.livelihood.models import SupplyItem, Warehouse
    from fangkong.livelihood.services.groups import group_add, member_add, pair
    from fangkong.livelihood.services.ledger import entry_add
    from fangkong.livelihood.services.requests import request_add
    from fangkong.livelihood.services.stock import stock_receive
    from fangkong.livelihood.services.supply_requests import supply_request_add

    workers = {
        HOME: make_user("sc-community", Role.COMMUNITY_WORKER, [("district", trees[HOME].district)]),
        FAR: make_user("sc-community-far", Role.COMMUNITY_WORKER, [("district", trees[FAR].district)]),
    }
    world.users["community"] = workers[HOME]
    keeper = world.users["command"]
    pack = SupplyItem.objects.create(code="SC-PACK", name="粮油蔬菜包（测试）", category=SupplyCategory.NECESSITIES, unit="份")
    ids: dict[str, dict[str, object]] = {}
    for side in (HOME, FAR):
        worker, tree = workers[side], trees[side]
        entry = entry_add(actor=worker, person=person(side, "ledger"), categories=["elderly_alone"], needs=["food"])
        group = group_add(actor=worker, compound=tree.compound, name=f"{tree.compound.name}上门服务组")
        member = member_add(
            actor=worker, group=group, kind=MemberKind.CADRE, name=f"{side}帮扶人", phone="13800001234", username=worker.username
        )
        pair(actor=worker, member=member, entries=[entry])
        req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="粮油蔬菜包")
        store = Warehouse.objects.create(
            name=f"{tree.district.name}生活物资仓库（测试）", kind=WarehouseKind.DISTRICT, district=tree.district
        )
        stock_receive(actor=keeper, warehouse=store, item=pack, quantity=50, source=ReceiptSource.DONATION)
        asked = supply_request_add(
            actor=worker,
            unit_kind=SupplyUnitKind.COMMUNITY,
            place=tree.community,
            warehouse=store,
            purpose="封控小区生活保障",
            lines=[(pack, 10)],
        )
        ids[side] = {"community": tree.community.pk, "entry": entry, "group": group, "request": req, "store": store, "asked": asked}
    _vouchers_and_relief(world, trees, person)
    for key, names in (("community", "ledger"), ("entry", "ledger"), ("group", "ledger"), ("request", "ledger")):
        subject(f"livelihood_{key}", ids[HOME][key], ids[FAR][key], names=names)
    subject("livelihood_requests", names="ledger")
    subject("livelihood_deliveries", names="ledger")
    world.subjects["warehouse"] = Subject(ids[HOME]["store"].pk, ids[FAR]["store"].pk, personal=False)
    world.subjects["supply_request"] = Subject(ids[HOME]["asked"].pk, ids[FAR]["asked"].pk, personal=False)


def _vouchers_and_relief(world: World, trees, person) -> None:
    """The ledger resident of each side holds a voucher of one programme (the city's) and was paid a
    living subsidy against their district's budget (no other personal data: the voucher is written
    directly, the harness's people carry none of the facts the eligibility rules read)."""
    from fangkong.livelihood.choices import ReliefKind, VoucherForm
    from fangkong.livelihood.models import Voucher
    from fangkong.livelihood.services.common import place_of
    from fangkong.livelihood.services.relief import budget_set, relief_disburse
    from fangkong.livelihood.services.vouchers import programme_add

    keeper = make_user("sc-relief", Role.DISTRICT_OFFICE, [("city", None)])
    programme = programme_add(actor=keeper, name="一次性消费券（测试）", place=None, age_reference_date=dt.date(2022, 11, 27))
    paid_on = dt.date(2022, 11, 14)
    held = {}
    for side in (HOME, FAR):
        resident = person(side, "ledger")
        held[side] = Voucher.objects.create(
            programme=programme,
            person=resident,
            rule="scoping",
            amount=programme.amount,
            form=VoucherForm.CODE,
            code=f"SC-{side.upper()}-0001",
            issued_at=dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC),
            **place_of(resident),
        )
        budget_set(actor=keeper, district=trees[side].district, year=paid_on.year, amount="10000")
        relief_disburse(actor=keeper, person=resident, kind=ReliefKind.LIVING_SUBSIDY, amount="200", paid_on=paid_on)
    names = ((NAMES[HOME]["ledger"],), (NAMES[FAR]["ledger"],))
    world.subjects["voucher_programme"] = Subject((programme.pk,), None, *names)  # the city's: nothing of it outside a grant
    world.subjects["voucher"] = Subject(held[HOME].pk, held[FAR].pk, *names)
    world.subjects["relief"] = Subject(None, None, *names)


RISK_AREAS = {HOME: "海棠里三号楼风险区", FAR: "榆林道九号楼风险区"}
DUTY_NAMES = {HOME: "骆冰河", FAR: "聂青崖"}
DUTY_PHONES = {HOME: "13800007771", FAR: "13800007772"}


def _zoning(world: World, trees) -> None:
    """A risk area in force over each side's compound (place names only: not personal)."""
    areas = {
        side: area_declare(
            actor=world.users["command"],
            name=RISK_AREAS[side],
            area_class=AreaClass.SEALED,
            places=[("compound", trees[side].compound.pk)],
            reason="scoping",
            in_force_at=dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC),
        )
        for side in (HOME, FAR)
    }
    world.subjects["risk_area"] = Subject(areas[HOME].pk, areas[FAR].pk, (RISK_AREAS[HOME],), (RISK_AREAS[FAR],), personal=False)
    # A 4+N roster on each side's compound: a named security guard with one shift in 2022 (staff, not residents).
    keeper = make_user("sc-duty", Role.DISTRICT_OFFICE, [("city", None)])
    posts, shifts = {}, {}
    for side in (HOME, FAR):
        posts[side] = duty_post_add(
            actor=keeper, compound=trees[side].compound, role=DutyRole.SECURITY, name=DUTY_NAMES[side], phone=DUTY_PHONES[side]
        )
        shifts[side] = duty_shifts_add(
            actor=keeper,
            post=posts[side],
            starts_at=dt.datetime(2022, 11, 14, 0, 0, tzinfo=dt.UTC),
            ends_at=dt.datetime(2022, 11, 15, 0, 0, tzinfo=dt.UTC),
        )[0]
    names = ((DUTY_NAMES[HOME],), (DUTY_NAMES[FAR],))
    world.subjects["duty_compound"] = Subject(trees[HOME].compound.pk, trees[FAR].compound.pk, *names)
    world.subjects["duty_post"] = Subject(posts[HOME].pk, posts[FAR].pk, *names)
    world.subjects["duty_shift"] = Subject(shifts[HOME].pk, shifts[FAR].pk, *names)


def _door_sampling(world: World, person, subject) -> None:
    """上门采样: the round's tasks for the households of each side's high-risk compound (every person
    of the world lives there, each in a household of their own)."""
    testing_round = TestingRound.objects.get()
    door_sampling_plan(actor=world.users["command"], testing_round=testing_round)
    tasks = {
        side: DoorSamplingTask.objects.get(round=testing_round, household_id=person(side, "pooled").household_id) for side in (HOME, FAR)
    }
    subject("door_round", (testing_round.pk,), names="pooled")
    subject("door_task", (testing_round.pk, tasks[HOME].pk), (testing_round.pk, tasks[FAR].pk), names="pooled")


MOVEMENT = {
    HOME: {
        "student": "闻归雁",
        "driver": "郁行舟",
        "traveller": "乔远游",
        "checkpoint": "海棠桥卡口",
        "plate": "蒙A70001",
        "driver_id": "15010219800517901X",
    },
    FAR: {
        "student": "宁远舟",
        "driver": "阮千帆",
        "traveller": "祝归途",
        "checkpoint": "榆林桥卡口",
        "plate": "蒙A70002",
        "driver_id": "150102198106019031",
    },
}


def _movement(world: World, trees) -> None:
    """On each side: an approved vehicle pass (its driver named), a checkpoint (a place name), and a
    coach with one traveller on its passenger list (set directly: the harness has no test results)."""
    from django.utils import timezone

    from fangkong.core.crypto import decrypt

    approver = make_user("sc-traffic", Role.COMMAND_CENTRE, [("city", None)])
    start = timezone.now() - dt.timedelta(hours=1)
    ids: dict[str, dict[str, int]] = {}
    for side in (HOME, FAR):
        m = MOVEMENT[side]
        district = trees[side].district
        vp = pass_request(
            actor=world.users["command"],
            district=district,
            plate=m["plate"],
            purpose="运送生活物资",
            origin="新城区",
            destination="包头市",
            valid_from=start,
            valid_until=start + dt.timedelta(hours=24),
            driver_name=m["driver"],
            driver_id=m["driver_id"],
        )
        pass_approve(actor=approver, vehicle_pass=vp)
        checkpoint = Checkpoint.objects.create(name=m["checkpoint"], road="G6", district_id=district.pk, status="approved")
        traveller = make_person(make_tree(**_tree_args(side, 40)).household, m["traveller"])
        coach = departure_create(
            actor=world.users["command"],
            district=district,
            mode=TravelMode.COACH,
            label=f"{m['plate']}次",
            destination="赤峰市",
            departs_at=start + dt.timedelta(hours=6),
            capacity=40,
        )
        DepartureApplication.objects.create(
            person=traveller,
            mode=TravelMode.COACH,
            destination="赤峰市",
            travel_date=timezone.localdate(),
            status=ApplicationStatus.ASSIGNED,
            departure=coach,
            district_id=traveller.district_id,
            street_id=traveller.street_id,
            community_id=traveller.community_id,
            grid_id=traveller.grid_id,
        )
        student = make_person(make_tree(**_tree_args(side, 41)).household, m["student"])
        batch = batch_create(
            actor=world.users["command"],
            district=district,
            kind="students",
            sending_unit="某高校",
            receiving_unit="某市防控办",
            destination="赤峰市",
            id_numbers=[decrypt(student.id_cipher)[:18]],
            requested_count=1,
            pickup_at=timezone.now(),
            pickup_place="校门",
        )
        ids[side] = {"pass": vp.pk, "checkpoint": checkpoint.pk, "departure": coach.pk, "batch": batch.pk}
    # Each side's pass refused (lent to another car) at the OTHER side's checkpoint: the refusal is
    # flagged to the issuing office, not to the office whose checkpoint saw it.
    from fangkong.movement.models import PassScan

    for issuer, seen_at, plate_seen in ((HOME, FAR, "蒙A7H001"), (FAR, HOME, "蒙A7F002")):
        cp = Checkpoint.objects.get(pk=ids[seen_at]["checkpoint"])
        PassScan.objects.create(
            vehicle_pass_id=ids[issuer]["pass"],
            checkpoint=cp,
            client_ref=f"sc-refused-{issuer}",
            scanned_at=start,
            recorded_at=start,
            outcome="refused",
            refusal="wrong_plate",
            plate_seen=plate_seen,
            district_id=cp.district_id,
        )
    world.subjects["refused_scan"] = Subject(None, None, ("蒙A7H001",), ("蒙A7F002",), personal=False)
    world.subjects["vehicle_pass"] = Subject(ids[HOME]["pass"], ids[FAR]["pass"], (MOVEMENT[HOME]["driver"],), (MOVEMENT[FAR]["driver"],))
    world.subjects["checkpoint"] = Subject(
        ids[HOME]["checkpoint"], ids[FAR]["checkpoint"], (MOVEMENT[HOME]["checkpoint"],), (MOVEMENT[FAR]["checkpoint"],), personal=False
    )
    world.subjects["batch"] = Subject(ids[HOME]["batch"], ids[FAR]["batch"], (MOVEMENT[HOME]["student"],), (MOVEMENT[FAR]["student"],))
    world.subjects["batch_step"] = Subject((ids[HOME]["batch"], "depart"), (ids[FAR]["batch"], "depart"))
    world.subjects["departure"] = Subject(
        ids[HOME]["departure"], ids[FAR]["departure"], (MOVEMENT[HOME]["traveller"],), (MOVEMENT[FAR]["traveller"],)
    )


def _tree_args(side: str, i: int) -> dict:
    """Each person in their own household (isolation puts one household in a room)."""
    if side == HOME:
        return {"household": f"8{i:02d}"}
    return {"district_code": "150103", "street": "环河街街道", "community": "通顺社区", "compound": "通顺小区", "household": f"9{i:02d}"}


def _places(world: World, trees, person, subject) -> None:
    """The registry: places by grant alone (their names are not personal), people by grant alone too."""
    home, far = trees[HOME], trees[FAR]
    for level in ("district", "street", "community"):
        h, f = getattr(home, level), getattr(far, level)
        world.subjects[level] = Subject(h.pk, f.pk, (h.name,), (f.name,), personal=False)
    world.subjects["place"] = Subject(("community", home.community.pk), ("community", far.community.pk))
    world.subjects["grid"] = Subject(home.grid.pk, far.grid.pk)
    board = {side: person(side, "board") for side in (HOME, FAR)}
    subject("person", board[HOME], board[FAR], names="board")
    subject("household", board[HOME].household, board[FAR].household, names="board")
    subject("people", names="board")


def _cases(world: World, trees, person, subject) -> dict:
    command = world.users["command"]
    hospital = cf.make_facility("第四医院（测试）", FacilityKind.HOSPITAL, trees[HOME].district, general=5, icu=1)
    fangcang = cf.make_facility("会展中心方舱（测试）", FacilityKind.FANGCANG, trees[FAR].district, general=5)
    staff = {HOME: cf.make_facility_user("sc-hospital", hospital), FAR: cf.make_facility_user("sc-fangcang", fangcang)}
    world.users["hospital"] = staff[HOME]
    facility = {HOME: hospital, FAR: fangcang}
    board, patients, monitoring = {}, {}, {}
    for side in (HOME, FAR):
        board[side] = cf.open_case(command, person(side, "board"), Classification.MILD)
        patients[side] = cf.open_case(command, person(side, "patient"), Classification.MILD)
        _admit(command, staff[side], patients[side], facility[side])
        discharged = cf.open_case(command, person(side, "monitored"), Classification.MILD)
        _admit(command, staff[side], discharged, facility[side])
        for h in (24, 48):
            case_test_record(actor=staff[side], case=discharged, result="negative", sampled_at=cf.at(h))
        case_discharge(actor=staff[side], case=discharged, at=cf.at(50))
        monitoring[side] = HealthMonitoring.objects.get(case=discharged)
    subject("board", names="board")
    subject("case", board[HOME], board[FAR], names="board")
    subject("transfer", cf.board_transfer(board[HOME]), cf.board_transfer(board[FAR]), names="board")
    subject("patient", patients[HOME], board[FAR], names="patient")  # the hospital's patient; a case not theirs
    subject("facility", hospital, fangcang, names="patient")
    subject("monitoring", monitoring[HOME], monitoring[FAR], names="monitored")
    subject("cases_figures", names=("board", "patient", "monitored"))
    return board


def _admit(command, staff, case, facility) -> None:
    t = transfer_dispatch(actor=command, transfer=cf.board_transfer(case), vehicle="蒙A·00001", crew="", facility=facility, at=cf.at(2))
    t = transfer_pick_up(actor=command, transfer=t, at=cf.at(2.5))
    transfer_admit(actor=staff, transfer=t, at=cf.at(3))


def _positives(world: World, trees, person, subject) -> None:
    """A round (2022-02-25) with a sampling point in each district; at each, a single tube positive (a
    positive awaiting a case) and a pooled tube positive (its member gets a home re-sampling task)."""
    command = world.users["command"]
    lab = tf.make_lab("金域检验（测试）", "SC01")
    world.users["lab"] = lab_user = tf.make_lab_user("sc-lab", lab)
    testing_round = tf.make_round(command)
    points, rows = {}, []
    for side, code, label in ((HOME, "H", "迎宾小区"), (FAR, "F", "通顺小区")):
        points[side] = tf.make_point(trees[side].community, name=f"{label}采样点（测试）")
        for mode, barcode, key in (("single", f"SC-{code}1", "positive"), ("pooled_10", f"SC-{code}P", "pooled")):
            binding = [Binding(barcode, person_id=person(side, key).pk)]
            at = tf.at(1)
            bulk_bind(actor=command, testing_round=testing_round, sampling_point=points[side], pooling_mode=mode, bindings=binding, at=at)
            rows.append((barcode, "阳性", 28, 30, "2022-02-25 15:00"))
    tf.upload(lab_user, testing_round, lab, rows, tf.at(9))
    positives = {side: ConfirmedPositive.objects.get(person=person(side, "positive")) for side in (HOME, FAR)}
    tasks = {side: ResamplingTask.objects.get(person=person(side, "pooled")) for side in (HOME, FAR)}
    subject("positive", positives[HOME], positives[FAR], names="positive")
    subject("round", testing_round, names=())
    subject("tube", (testing_round.pk, "SC-H1"), (testing_round.pk, "SC-F1"), names="positive")
    subject("tubes", (testing_round.pk,), (testing_round.pk,), names="positive")
    subject("resampling", tasks[HOME], tasks[FAR], names="pooled")
    subject("resampling_round", (testing_round.pk,), names="pooled")
    subject("resampling_task", (testing_round.pk, tasks[HOME].pk), (testing_round.pk, tasks[FAR].pk), names="pooled")
    grids = {side: trees[side].grid.pk for side in (HOME, FAR)}
    subject("knock", (testing_round.pk, grids[HOME]), (testing_round.pk, grids[FAR]), names="board")  # not sampled
    households = {side: person(side, "pooled").household_id for side in (HOME, FAR)}
    subject("household_check", (testing_round.pk, households[HOME]), (testing_round.pk, households[FAR]), names="pooled")
    world.subjects["point"] = Subject(points[HOME].pk, points[FAR].pk, (points[HOME].name,), (points[FAR].name,), personal=False)
    # The coverage drill-down below a grid: a household of one positive (its resident by name and result).
    subject("coverage_household", (testing_round.pk,), (testing_round.pk,), names="positive")
    world.subjects["coverage_household"].params = {side: {"place": person(side, "positive").household_id} for side in (HOME, FAR)}


def _isolation(world: World, trees, person, subject, cases: dict) -> None:
    command = world.users["command"]
    sites, ports, residents, handovers, homes, contacts, incidents, tests = {}, {}, {}, {}, {}, {}, {}, {}
    for side, label in ((HOME, "如家"), (FAR, "锦江")):
        community = trees[side].community
        sites[side] = isf.make_site(command, community, name=f"{label}隔离点（测试）")
        ports[side] = isf.make_site(command, community, name=f"{label}入境隔离点（测试）", rooms=[RoomSpec("101")], receives_inbound=True)
        residents[side] = checked_in(command, person(side, "resident"), sites[side], "301")
        waiting(command, person(side, "waiting"))
        handovers[side] = released(command, person(side, "released"), sites[side], "302")
        homes[side] = at_home(command, command, person(side, "at_home"), sites[side], "303")
        inbound_register(
            actor=command,
            person=person(side, "arrival"),
            mode=ArrivalMode.FLIGHT,
            number="CA1234",
            origin="首尔",
            port_of_entry="呼和浩特白塔国际机场",
            arrived_at=isf.local(2022, 11, 14, 7, 30),
            entry_site=ports[side],
            destination="",
            destination_community=community,
        )
        incidents[side] = incident_record(
            actor=command,
            site=sites[side],
            kind=IncidentKind.MEDICAL,
            description="测试事件",
            occurred_at=isf.local(2022, 11, 14, 18),
            episode=residents[side],
        )
        contacts[side] = contact_add(
            actor=command,
            case=cases[side],
            person=person(side, "contact"),
            exposure=ExposureType.HOUSEHOLD,
            place=EXPOSURE_PLACES[side],
            last_exposure_at=isf.local(2022, 11, 13, 19),
            identified_at=isf.local(2022, 11, 14, 10),
        ).contact
        tests[side] = ScheduledTest.objects.filter(episode=residents[side], phase=TestPhase.CENTRAL).order_by("day_number").first()
    places = {HOME: (EXPOSURE_PLACES[HOME],), FAR: (EXPOSURE_PLACES[FAR],)}
    subject("site", sites[HOME], sites[FAR], names="resident")
    subject("episode", residents[HOME], residents[FAR], names="resident")
    subject("scheduled_test", tests[HOME], tests[FAR], names="resident")
    subject("awaiting", names=("waiting", "contact"))
    subject("handover", handovers[HOME], handovers[FAR], names="released")
    subject("at_home", homes[HOME], homes[FAR], names="at_home")
    subject("arrival", names="arrival")
    subject("incident", incidents[HOME], incidents[FAR], names="resident")
    subject("tracing", cases[HOME], cases[FAR], names="board")
    subject("trace", cases[HOME], cases[FAR], names="contact", extra=places)
    subject("graph", cases[HOME], cases[FAR], names="contact")
    subject("contact", contacts[HOME], contacts[FAR], names="contact", extra=places)
    subject("contacts_awaiting", names="contact")
    subject("isolation_figures", names=("resident", "waiting", "released", "at_home", "arrival", "contact"))


SUPERVISION = {HOME: ("海棠桥督导卡口", "海棠桥卡口夜班缺岗"), FAR: ("榆林桥督导卡口", "榆林桥卡口夜班缺岗")}


def _supervision(world: World, trees) -> None:
    """On each side: a team of its own inspector assigned a checkpoint (a place name), one inspection
    with a finding (its text a place's matter, not a person's) owned by the side's community worker.
    The harness's supervisor is in no team: it holds the capability and sees nothing."""
    from django.utils import timezone

    from fangkong.supervision.choices import Answer, PlaceKind
    from fangkong.supervision.models import Assignment, ChecklistItem, InspectionTeam
    from fangkong.supervision.services.inspections import FindingInput, inspection_record

    ids: dict[str, dict[str, int]] = {}
    for side in (HOME, FAR):
        tree = trees[side]
        place, finding = SUPERVISION[side]
        inspector = make_user(f"sc-inspector-{side}", Role.SUPERVISOR, [("district", tree.district)])
        owner = make_user(f"sc-owner-{side}", Role.COMMUNITY_WORKER, [("community", tree.community)])
        team = InspectionTeam.objects.create(name=f"{place}督导组", district=tree.district)
        team.members.set([inspector])
        places = {"district_id": tree.district.pk, "street_id": tree.street.pk, "community_id": tree.community.pk}
        checkpoint = Checkpoint.objects.create(name=place, status="approved", **places)
        assignment = Assignment.objects.create(
            team=team,
            place_kind=PlaceKind.CHECKPOINT,
            place_id=checkpoint.pk,
            place_name=place,
            starts_on=timezone.localdate() - dt.timedelta(days=2),
            **places,
        )
        answers = {i.pk: Answer.PASS for i in ChecklistItem.objects.filter(place_kind=PlaceKind.CHECKPOINT)}
        at = timezone.now() - dt.timedelta(hours=1)
        inspection = inspection_record(
            actor=inspector,
            assignment_id=assignment.pk,
            inspected_at=at,
            answers=answers,
            findings=[FindingInput(finding, owner, at + dt.timedelta(hours=24))],
        )
        ids[side] = {"assignment": assignment.pk, "inspection": inspection.pk, "rectification": inspection.rectifications.get().pk}
    for key, label in (("assignment", 0), ("inspection", 1), ("rectification", 1)):
        world.subjects[f"supervision_{key}"] = Subject(
            ids[HOME][key], ids[FAR][key], (SUPERVISION[HOME][label],), (SUPERVISION[FAR][label],), personal=False
        )


VOLUNTEERS = {
    HOME: {"volunteer": "邝云舒", "serving": "蒯长风", "org": "海棠社区志愿服务队（测试）", "point": "海棠社区采样服务点（测试）"},
    FAR: {"volunteer": "闵星河", "serving": "眭晚晴", "org": "通顺社区志愿服务队（测试）", "point": "通顺社区采样服务点（测试）"},
}


def _volunteers(world: World, trees) -> None:
    """On each side: an organisation and a service point (place names), an approved volunteer on a
    need of the point tomorrow (named on the need), and a police officer sent to the compound (named)."""
    from django.utils import timezone

    from fangkong.volunteers.models import TaskType, Volunteer
    from fangkong.volunteers.services import (
        Application,
        deployment_add,
        need_publish,
        organisation_add,
        point_add,
        shift_assign,
        volunteer_apply,
        volunteer_approve,
        volunteer_verify,
    )

    keeper = make_user("sc-volunteers", Role.DISTRICT_OFFICE, [("city", None)])
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    ids: dict[str, dict[str, int]] = {}
    for side, phone in ((HOME, "13800008881"), (FAR, "13800008882")):
        names, tree = VOLUNTEERS[side], trees[side]
        org = organisation_add(actor=keeper, name=names["org"], kind="community", community=tree.community)
        point = point_add(actor=keeper, name=names["point"], kind="sampling", community=tree.community, organisation=org)
        volunteer_apply(
            Application(name=names["volunteer"], id_number=next_id_number(tree.district.code), phone=phone, community_id=tree.community.pk)
        )
        v = Volunteer.objects.get(name=names["volunteer"])
        volunteer_verify(actor=keeper, volunteer=v)
        v = volunteer_approve(actor=keeper, volunteer=v, field_work=False)
        need = need_publish(
            actor=keeper, point=point, task_type=TaskType.objects.get(code="data_entry"), starts_at=start,
            ends_at=start + dt.timedelta(hours=4), headcount=3,
        )  # fmt: skip
        shift_assign(actor=keeper, volunteer=v, need=need)
        d = deployment_add(
            actor=keeper, kind="police", name=names["serving"], phone=phone.replace("888", "889"), work_unit="公安分局（测试）",
            community=tree.community, compound=tree.compound, starts_on=timezone.localdate(),
        )  # fmt: skip
        ids[side] = {"org": org.pk, "point": point.pk, "volunteer": v.pk, "need": need.pk, "deployment": d.pk}

    def both(key: str, name: str, *, personal: bool = True) -> Subject:
        return Subject(ids[HOME][key], ids[FAR][key], (VOLUNTEERS[HOME][name],), (VOLUNTEERS[FAR][name],), personal=personal)

    world.subjects["volunteer"] = both("volunteer", "volunteer")
    world.subjects["vol_org"] = both("org", "org", personal=False)
    world.subjects["vol_point"] = both("point", "point", personal=False)
    world.subjects["vol_need"] = both("need", "volunteer")  # the page names who is on the need
    world.subjects["vol_need_api"] = both("need", "point", personal=False)  # the API: the need and its point
    world.subjects["deployment"] = both("deployment", "serving")
