"""manage.py demo_accounts: one account per role in the demo city, with a shared demo password.
The `admin` account (系统管理员, city grant) manages all the others on 账号管理 (/accounts/manage/).

DEMO ONLY: every account gets the password `fangkong-demo`. Never run this against a registry
that holds real people. Re-running resets the passwords and the grants. The `lab` account gets a
facility grant to the first demo laboratory once one exists (`manage.py make_round` creates them),
the `isolation` account one to the first demo isolation site (`manage.py make_isolation`), the
`hospital` account one to the first demo treatment facility (`manage.py make_cases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext_noop

from fangkong.accounts.models import Grant, GrantLevel, User
from fangkong.accounts.signed_in import account_changed
from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.cases.models import TreatmentFacility
from fangkong.cases.querysets import TREATMENT_GRANT
from fangkong.core.roles import Role
from fangkong.geo.models import Community, District, Grid, GridWorker, Street
from fangkong.isolation.models import IsolationSite
from fangkong.isolation.querysets import SITE_GRANT
from fangkong.isolation.synthetic import SITES as DEMO_SITES
from fangkong.testing.models import LAB_GRANT, Laboratory

DEMO_PASSWORD = "fangkong-demo"  # demo only
NO_FACILITY = "（暂无：机构建成后按机构授权）"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    scope: str  # city | district | street | community | grid | laboratory | isolation_site | treatment | none
    is_staff: bool = False


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("command", Role.COMMAND_CENTRE, "市指挥部值班员", "city"),
    DemoAccount("district", Role.DISTRICT_OFFICE, "新城区防控办", "district"),
    DemoAccount("street", Role.STREET_OFFICE, "中山东路街道办", "street"),
    DemoAccount("community", Role.COMMUNITY_WORKER, "迎宾南路社区工作者", "community"),
    DemoAccount("grid", Role.GRID_WORKER, "迎宾南路社区网格员", "grid"),
    DemoAccount("isolation", Role.ISOLATION_SITE_STAFF, "隔离点工作人员", "isolation_site"),
    DemoAccount("hospital", Role.HOSPITAL_STAFF, "定点医院工作人员", "treatment"),
    DemoAccount("lab", Role.LABORATORY, "检测机构", "laboratory"),
    DemoAccount("volunteer", Role.VOLUNTEER_COORDINATOR, "新城区志愿者协调员", "district"),
    DemoAccount("supervisor", Role.SUPERVISOR, "新城区督导组", "district"),
    DemoAccount("auditor", Role.AUDITOR, "审计员", "city"),
    DemoAccount("admin", Role.SYSTEM_ADMIN, "系统管理员", "city", is_staff=True),
]

DEMO_DISTRICT = "150102"  # 新城区
DEMO_STREET = "中山东路街道"
DEMO_COMMUNITY = "迎宾南路社区"
DEMO_LABORATORY = "金域检验"  # the first of fangkong.testing.synthetic.DEMO_LABS
DEMO_TREATMENT_FACILITY = "内蒙古自治区第四医院"  # the first of fangkong.cases.synthetic.DEMO_FACILITIES


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role_label: str
    jurisdiction: str


def _demo_places() -> dict[str, tuple[str, int | None, str, str]]:
    """scope → (grant level, place id, facility kind, label). Raises CommandError when the demo city is missing."""
    try:
        district = District.objects.get(code=DEMO_DISTRICT)
        street = Street.objects.get(district=district, name=DEMO_STREET)
        community = Community.objects.get(street=street, name=DEMO_COMMUNITY)
    except (District.DoesNotExist, Street.DoesNotExist, Community.DoesNotExist) as exc:
        raise CommandError("演示城市不存在，请先运行 make_city / the demo city is missing: run make_city first") from exc
    grid = Grid.objects.filter(community=community).order_by("id").first()
    if grid is None:
        raise CommandError(f"{DEMO_COMMUNITY} 没有网格 / {DEMO_COMMUNITY} has no grid")
    path = f"{district.name} › {street.name}"
    lab = Laboratory.objects.filter(name=DEMO_LABORATORY).first() or Laboratory.objects.order_by("id").first()
    lab_kind = LAB_GRANT.removeprefix("facility:")
    site = IsolationSite.objects.filter(name=DEMO_SITES[0].name).first() or IsolationSite.objects.order_by("id").first()
    site_kind = SITE_GRANT.removeprefix("facility:")
    hospital = TreatmentFacility.objects.filter(name=DEMO_TREATMENT_FACILITY).first() or TreatmentFacility.objects.order_by("id").first()
    treatment_kind = TREATMENT_GRANT.removeprefix("facility:")
    return {
        "city": (GrantLevel.CITY, None, "", "全市（呼和浩特市）"),
        "district": (GrantLevel.DISTRICT, district.pk, "", district.name),
        "street": (GrantLevel.STREET, street.pk, "", path),
        "community": (GrantLevel.COMMUNITY, community.pk, "", f"{path} › {community.name}"),
        "grid": (GrantLevel.GRID, grid.pk, "", f"{path} › {community.name} › {grid.name}"),
        "laboratory": (GrantLevel.FACILITY, lab.pk, lab_kind, f"{lab.name}（检测机构）") if lab else ("", None, "", NO_FACILITY),
        "isolation_site": (GrantLevel.FACILITY, site.pk, site_kind, site.name) if site else ("", None, "", NO_FACILITY),
        "treatment": (
            (GrantLevel.FACILITY, hospital.pk, treatment_kind, f"{hospital.name}（{hospital.get_kind_display()}）")
            if hospital
            else ("", None, "", NO_FACILITY)
        ),
        "none": ("", None, "", NO_FACILITY),
    }


@transaction.atomic
def demo_accounts_ensure(*, actor: Any = None) -> list[DemoLogin]:
    """Create or reset the twelve demo accounts and their grants; audited."""
    places = _demo_places()
    logins: list[DemoLogin] = []
    for spec in DEMO_ACCOUNTS:
        level, place_id, kind, label = places[spec.scope]
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            user = User(username=spec.username)
        user.role = spec.role
        user.full_name = spec.full_name
        user.is_staff = spec.is_staff
        user.is_superuser = False
        user.is_active = True
        user.must_change_password = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        wanted = {(level, place_id, kind)} if level else set()
        existing = {(g.level, g.place_id, g.facility_kind): g for g in user.grants.all()}
        for key, grant in existing.items():
            if key not in wanted:
                grant.delete()
                audit_record(
                    actor=actor,
                    event_type=EventType.GRANT_REMOVED,
                    obj=user,
                    before=_grant_fields(key),
                    reason=gettext_noop("演示账号重置"),
                )
        for key in wanted - set(existing):
            Grant.objects.create(user=user, level=key[0], place_id=key[1], facility_kind=key[2])
            audit_record(
                actor=actor,
                event_type=EventType.GRANT_ADDED,
                obj=user,
                after={**_grant_fields(key), "role": spec.role},
                reason=gettext_noop("演示账号"),
            )
        if spec.scope == "grid":
            _link_grid_worker(user, place_id)
        logins.append(DemoLogin(spec.username, DEMO_PASSWORD, str(Role(spec.role).label), label))
    return logins


def _grant_fields(key: tuple[str, int | None, str]) -> dict[str, Any]:
    level, place_id, kind = key
    return {"level": level, "place_id": place_id, **({"facility_kind": kind} if kind else {})}


def _link_grid_worker(user: User, grid_id: int | None) -> None:
    """The grid account is the first grid worker of its grid: same name and phone, linked row."""
    GridWorker.objects.filter(user=user).exclude(grid_id=grid_id).update(user=None)
    worker = GridWorker.objects.filter(grid_id=grid_id).order_by("id").first()
    if worker is None:
        return
    if worker.user_id != user.pk:
        worker.user = user
        worker.save(update_fields=["user", "updated_at"])
    User.objects.filter(pk=user.pk).update(full_name=worker.name, phone=worker.phone)
    account_changed(user.pk)  # an update sends no post_save: the cached signed-in account


def format_logins(logins: list[DemoLogin]) -> str:
    rows = [("用户名 username", "密码 password", "角色 role", "管辖范围 jurisdiction")]
    rows += [(x.username, x.password, x.role_label, x.jurisdiction) for x in logins]

    def width(text: str) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(c) > 0x2E7F else 1 for c in text)

    widths = [max(width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row[:3])]
        lines.append("  ".join([*cells, row[3]]))
        if n == 0:
            lines.append("-" * (sum(widths) + 6 + width(row[3])))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "创建（或重置）每个角色一个演示账号，密码 fangkong-demo，仅供演示 / demo accounts, one per role (demo only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-table", action="store_true", help="do not print the logins")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_accounts_ensure(actor=None)
        if options["verbosity"] > 0 and not options["quiet_table"]:
            self.stdout.write(format_logins(logins))
            self.stdout.write(
                self.style.WARNING(f"演示专用密码 {DEMO_PASSWORD}，切勿用于真实数据 / demo-only password; never use with real data")
            )
