"""Builders for 快检 tests: a planned round, sampling points, labs with their users, CSV uploads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fangkong.accounts.models import Grant
from fangkong.core.roles import Role
from fangkong.testing.ingest import parse_csv
from fangkong.testing.models import Laboratory, SamplingPoint
from fangkong.testing.services import AreaSpec, results_ingest, round_plan

from ..factories import make_user

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2022, 2, 25, 8, 0, tzinfo=BEIJING)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def make_round(actor, number: int = 8, areas: list[AreaSpec] | None = None):
    return round_plan(actor=actor, number=number, areas=areas or [AreaSpec("city")], starts_at=T0)


def make_point(community, name: str = "迎宾小区采样点", grid=None) -> SamplingPoint:
    return SamplingPoint.objects.create(
        district_id=community.district_id,
        street_id=community.street_id,
        community=community,
        grid=grid,
        name=name,
        opening_hours="7:00-21:00",
    )


def make_lab(name: str = "金域检验", code: str = "KM01") -> Laboratory:
    return Laboratory.objects.create(name=name, code=code)


def make_lab_user(username: str, lab: Laboratory):
    user = make_user(username, Role.LABORATORY)
    Grant.objects.create(user=user, level="facility", facility_kind="laboratory", place_id=lab.pk)
    return user


def csv_bytes(rows: list[tuple], encoding: str = "utf-8") -> bytes:
    lines = ["条码,结果,ORF1ab,N,报告时间"] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def upload(user, testing_round, lab, rows: list[tuple], when: dt.datetime, source: str = "result.csv"):
    return results_ingest(actor=user, testing_round=testing_round, laboratory=lab, rows=parse_csv(csv_bytes(rows)), source=source, at=when)
