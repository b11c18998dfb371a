"""Synthetic supervision on the demo city — for the demo and its pages (`manage.py demo` calls it
after the demo accounts, whose `supervisor` is an inspector of the team).

`supervision_generate` goes through the supervision services, as the pages would, in the demo
district (新城区): one team (the `supervisor` demo login and a second inspector) assigned the
district's sealed and controlled compounds in force, a checkpoint, an isolation site and a sampling
point; a day of rounds — three a day for the compounds — with one round missed; findings with
photos, each a rectification: open (due tomorrow), overdue (not fixed by its deadline), fixed and
waiting for verification, verified on time, and verified late.

Times are today and yesterday (Beijing). Deterministic for the registry and the clock.
"""

from __future__ import annotations

import datetime as dt
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import District
from fangkong.policy.regimen import local_midnight

from .choices import Answer, PlaceKind
from .models import Assignment, ChecklistItem, Inspection, InspectionTeam, Rectification
from .owners import owners_for
from .places import places
from .selectors import round_windows, rounds_per_day
from .services.inspections import FindingInput, inspection_record
from .services.rectifications import rectification_fix, rectification_verify
from .services.teams import assignment_create, team_create

DEMO_DISTRICT = "150102"
TEAM = "新城区社会管控第一督导组"
REASON = "合成数据：督导演示"
INSPECTOR = "supervisor"  # the demo login (fangkong.demo.management.commands.demo_accounts)
OWNER_PREFERENCE = ("community", "street", "district")  # the demo logins, narrowest first

FINDINGS = [
    ("open", "出入口值守人员未查验核酸证明", dt.timedelta(hours=24)),
    ("overdue", "公共区域消杀记录缺失两天", dt.timedelta(hours=-6)),
    ("submitted", "封控区物资配送点无人值守", dt.timedelta(hours=30)),
    ("verified", "“4+N”人员名单未上墙公示", dt.timedelta(hours=36)),
    ("late", "隔离人员串门，楼层无人巡查", dt.timedelta(hours=-2)),
]


@dataclass
class SupervisionStats:
    assignments: int = 0
    inspections: int = 0
    missing: int = 0
    rectifications: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def format_stats(s: SupervisionStats) -> str:
    return f"{s.assignments} 个督导点位, {s.inspections} 次检查, 缺失 {s.missing} 轮; 整改 {s.rectifications} — {s.seconds:.1f} s"


def demo_exists() -> bool:
    return InspectionTeam.objects.filter(name=TEAM).exists()


def photo_png(rgb: tuple[int, int, int], width: int = 96, height: int = 72) -> bytes:
    """A plain-colour PNG (no imaging library needed): a stand-in for a phone's photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


def _photo(name: str, rgb: tuple[int, int, int]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_png(rgb), content_type="image/png")


def supervision_generate(*, now: dt.datetime | None = None) -> SupervisionStats:
    started = time.monotonic()
    now = now or timezone.now()
    User = get_user_model()
    with transaction.atomic():
        district = District.objects.filter(code=DEMO_DISTRICT).first()
        inspector = User.objects.filter(username=INSPECTOR, role=Role.SUPERVISOR).first()
        if district is None or inspector is None:
            raise DomainError("演示城市或督导演示账号不存在 / build the demo city and accounts first", rule="supervision.synthetic")
        if demo_exists():
            raise DomainError("演示督导组已存在 / the demo team exists", rule="supervision.synthetic")
        manager = service_account(
            "synthetic-supervision",
            Role.DISTRICT_OFFICE,
            "合成数据：督导组管理",
            level=GrantLevel.DISTRICT,
            place_id=district.pk,
            reason=REASON,
        )
        partner = service_account(
            "synthetic-inspector", Role.SUPERVISOR, "合成数据：督导员", level=GrantLevel.DISTRICT, place_id=district.pk, reason=REASON
        )
        team = team_create(actor=manager, name=TEAM, district=district, members=[inspector, partner])
        yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
        assignments = _assign(manager, team, yesterday)
        missing = _rounds(inspector, assignments, now)
        _findings(inspector, partner, assignments, now)
    return SupervisionStats(
        assignments=len(assignments),
        inspections=Inspection.objects.filter(assignment__team=team).count(),
        missing=missing,
        rectifications=dict(Rectification.objects.values_list("status").annotate(n=Count("id")).order_by()),
        seconds=time.monotonic() - started,
    )


def _assign(manager: Any, team: InspectionTeam, starts_on: dt.date) -> list[Assignment]:
    wanted = [(PlaceKind.SEALED_AREA, 2), (PlaceKind.CONTROLLED_AREA, 1), (PlaceKind.CHECKPOINT, 1), (PlaceKind.ISOLATION_SITE, 1)]
    wanted.append((PlaceKind.SAMPLING_POINT, 1))
    made = []
    for kind, n in wanted:
        for place in [p for p in places(kind, user=manager, limit=50) if p.district_id == team.district_id][:n]:
            made.append(assignment_create(actor=manager, team=team, place_kind=kind, place_id=place.pk, starts_on=starts_on))
    return made


def _answers(kind: str, *, fail: bool) -> dict[int, str]:
    items = list(ChecklistItem.objects.filter(place_kind=kind, active=True))
    answers = {i.pk: Answer.PASS for i in items}
    if fail and items:
        answers[items[0].pk] = Answer.FAIL
    return answers


def _rounds(inspector: Any, assignments: list[Assignment], now: dt.datetime) -> int:
    """Every round window of yesterday and of today up to now, inspected once (mid-window, or a few
    minutes ago for the window now running) — but one: the first compound's latest window that has
    ended today, or yesterday's last one before 08:00. Returns the rounds missed (1)."""
    rules = rounds_per_day()
    today = timezone.localtime(now).date()
    skip = None
    if assignments:
        first = assignments[0]
        ended = [(today, k) for k, (_s, e) in enumerate(round_windows(today, rules.get(first.place_kind, 1))) if e <= now]
        skip = (first.pk, *(ended[-1] if ended else (today - dt.timedelta(days=1), rules.get(first.place_kind, 1) - 1)))
    for a in assignments:
        for day in (today - dt.timedelta(days=1), today):
            for k, (start, end) in enumerate(round_windows(day, rules.get(a.place_kind, 1))):
                if start > now or (a.pk, day, k) == skip:
                    continue
                at = min(start + (end - start) / 2, now - dt.timedelta(minutes=5 + a.pk % 20))
                if at < start:
                    continue
                inspection_record(actor=inspector, assignment_id=a.pk, inspected_at=at, answers=_answers(a.place_kind, fail=False))
    return 1 if skip else 0


def _owner(assignment: Assignment) -> Any:
    owners = owners_for(district_id=assignment.district_id, street_id=assignment.street_id, community_id=assignment.community_id)
    by_name = {u.username: u for u in owners}
    return next((by_name[n] for n in OWNER_PREFERENCE if n in by_name), None) or owners.first()


def _findings(inspector: Any, partner: Any, assignments: list[Assignment], now: dt.datetime) -> None:
    """One extra inspection per finding (yesterday evening for the older ones), each with a photo."""
    yesterday_evening = local_midnight(timezone.localtime(now).date()) - dt.timedelta(hours=4)
    places = assignments[1:] or assignments  # the first compound keeps its missed round
    for n, (stage, text, after) in enumerate(FINDINGS):
        if not places:
            return
        a = places[n % len(places)]
        owner = _owner(a)
        if owner is None:
            continue
        at = now - dt.timedelta(minutes=30) if stage == "open" else min(yesterday_evening, now - dt.timedelta(hours=8))
        deadline = (now if stage in ("overdue", "late") else at) + after
        finding = FindingInput(text, owner, deadline, _photo(f"{stage}.png", (180, 60 + 30 * n, 60)))
        inspection = inspection_record(
            actor=inspector, assignment_id=a.pk, inspected_at=at, answers=_answers(a.place_kind, fail=True), findings=[finding]
        )
        rect = inspection.rectifications.get()
        if stage in ("submitted", "verified", "late"):
            rect = rectification_fix(
                actor=owner, rectification=rect, evidence=f"已整改：{text}，已落实专人负责", photo=_photo("fix.png", (60, 160, 80))
            )
        if stage in ("verified", "late"):
            rectification_verify(actor=partner, rectification=rect, accepted=True, note="现场复核，整改到位")
