"""What ops/pg_kill_drill.py's dispatch and lab-upload phases start from, written in the drill's
database through the application's services (never by SQL). Run by the drill with its environment:

    python ops/pg_kill_setup.py dispatch CASES   # facilities, a dispatcher's API token, CASES awaiting transfers
    python ops/pg_kill_setup.py lab              # a laboratory user's API token, the round and laboratory

Prints one JSON line: what the drill needs (the token key is shown once, as when a user issues one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _user(username: str, role: str, *, level: str, place_id: int | None = None, kind: str = "") -> Any:
    from fangkong.accounts.models import Grant, User

    user = User.objects.create_user(username=username, password=None, role=role, full_name=f"演练·{username}")
    Grant.objects.create(user=user, level=level, place_id=place_id, facility_kind=kind)
    return user


def _token(user: Any, *, second_factor: bool) -> str:
    from fangkong.accounts.services.tokens import api_token_create

    return api_token_create(actor=user, name="pg kill drill", days=7, second_factor=second_factor).key


def dispatch(cases: int) -> dict[str, Any]:
    """The transfer desk's morning: the screening round's positives taken from the queue (as the
    minute task does), then hospital reports up to `cases` awaiting transfers, the demo city's six
    facilities with their beds, and a dispatcher (指挥部, city grant, a second factor as production
    asks of that role) with an API token."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fangkong.accounts.choices import GrantLevel
    from fangkong.cases.choices import CASE_ACTIVE, CaseSource, Classification, TransferStatus
    from fangkong.cases.models import Case, Transfer
    from fangkong.cases.services import case_open_by_hand, cases_open_from_queue, facility_create
    from fangkong.cases.synthetic.facilities import DEMO_FACILITIES
    from fangkong.core.clock import now
    from fangkong.core.roles import Role
    from fangkong.geo.models import District, Person

    dispatcher = _user("drill-dispatcher", Role.COMMAND_CENTRE, level=GrantLevel.CITY)
    TOTPDevice.objects.create(user=dispatcher, name="drill", confirmed=True)
    fallback = District.objects.order_by("code").first()
    districts = {d.code: d for d in District.objects.all()}
    for spec in DEMO_FACILITIES:
        facility_create(
            actor=dispatcher,
            kind=spec.kind,
            name=spec.name,
            district=districts.get(spec.district, fallback),
            address=spec.address,
            contact=spec.contact,
            admission_note=spec.note,
            beds=spec.beds,
        )
    queue = cases_open_from_queue(actor=None)
    at = now() - dt.timedelta(hours=1)
    busy = Case.objects.filter(status__in=CASE_ACTIVE).values("person_id")
    people = Person.objects.filter(community__isnull=False, birth_year__isnull=False).exclude(pk__in=busy).order_by("id")
    awaiting = Transfer.objects.filter(status=TransferStatus.AWAITING)
    for person in people[: max(cases - awaiting.count(), 0)]:
        case_open_by_hand(
            actor=dispatcher,
            person=person,
            classification=Classification.ASYMPTOMATIC,
            confirmed_at=at,
            source=CaseSource.HOSPITAL_REPORT,
            source_note="演练：发热门诊报告",
            at=at + dt.timedelta(minutes=5),
        )
    return {
        "token": _token(dispatcher, second_factor=True),
        "from_queue": queue.opened,
        "transfers": list(awaiting.order_by("id").values_list("id", flat=True)),
    }


def lab() -> dict[str, Any]:
    """The first laboratory of the latest round, a user of it (检测机构, its facility grant) with an API token."""
    from fangkong.accounts.choices import GrantLevel
    from fangkong.core.roles import Role
    from fangkong.testing.models import LAB_GRANT, Laboratory, TestingRound

    testing_round = TestingRound.objects.order_by("-number").first()
    laboratory = Laboratory.objects.order_by("id").first()
    user = _user("drill-lab", Role.LABORATORY, level=GrantLevel.FACILITY, place_id=laboratory.pk, kind=LAB_GRANT.removeprefix("facility:"))
    return {"token": _token(user, second_factor=False), "round": testing_round.pk, "laboratory": laboratory.pk}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    import django

    django.setup()
    what = sys.argv[1]
    out = dispatch(int(sys.argv[2])) if what == "dispatch" else lab()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
