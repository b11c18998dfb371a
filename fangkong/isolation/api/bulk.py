"""Parsing the bulk requests of 快隔 — a 流调 list of close contacts for a case, a site's check-ins —
thousands of rows, checked by hand (no serializer per row), as the testing app's bulk bindings.

Each request is a JSON array of rows, or an object with request-wide values and the rows. Every
format problem is reported at once, naming the row (counted from 1; 0 = the request) and the field,
in the same RowsRefused the services raise for the rules they check. Nothing is written unless every
row passes (all or nothing).

A 流调 list refused with rows whose number is not registered counts each such number as a search by
full number (the limit and audit of fangkong.geo.services.number_search_check, where
`isolation.contacts_bulk`): a list of candidate numbers with one bad row is no unlimited oracle of
who is registered; past the limit it is refused as too many searches (429), naming no row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.api import parse_moment
from fangkong.core.rows import RowError, RowsRefused
from fangkong.geo.lookup import count_numbers, person_ids_by_id_number
from fangkong.geo.models import Person

from ..choices import ExposureType
from ..models import Room
from ..services import BulkCheckIn
from ..tracing.contacts_bulk import BULK_WHERE, BulkContact
from ..tracing.services import PERSON_IN_REGISTRY

MAX_ROWS = 20_000
FORMAT_RULE = "isolation.bulk_format"
CONTACT_FIELDS = frozenset({"id_number", "person_id", "exposure", "place", "last_exposure_at", "community", "note"})
CONTACT_REQUEST_FIELDS = frozenset({"identified_at", "contacts"})
CHECK_IN_FIELDS = frozenset({"episode", "room", "room_number", "party"})
CHECK_IN_REQUEST_FIELDS = frozenset({"at", "check_ins"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_moment(value)
    except ValueError:
        return None


def _bad_time(value: Any) -> str:
    return _("时间“%(v)s”应为 ISO 8601，例如 2022-02-25T09:30:00+08:00") % {"v": value}


def _request(data: Any, *, key: str, allowed: frozenset[str], time_key: str) -> tuple[list[Any], dt.datetime | None]:
    """(rows, the request-wide time): the array itself, or `{time_key, key: [rows]}`."""
    errors: list[RowError] = []
    when = None
    if isinstance(data, dict):
        errors += [RowError(0, k, _("未知字段")) for k in sorted(set(data) - allowed)]
        raw = data.get(time_key)
        if raw is not None:
            when = _moment(raw)
            if when is None:
                errors.append(RowError(0, time_key, _bad_time(raw)))
        rows = data.get(key)
    else:
        rows = data
    if rows is None:  # a body of `null`, or an object without the rows
        errors.append(RowError(0, key, _("缺少 %(k)s") % {"k": key}))
    elif not isinstance(rows, list):
        errors.append(RowError(0, key, _("应为数组")))
    elif not rows:
        errors.append(RowError(0, key, _("没有任何记录")))
    elif len(rows) > MAX_ROWS:
        errors.append(RowError(0, key, _("一次最多提交 %(max)s 条，本次 %(n)s 条") % {"max": MAX_ROWS, "n": len(rows)}))
    if errors:
        raise RowsRefused(errors, rule=FORMAT_RULE)
    return rows, when


@dataclass
class ContactsRequest:
    rows: list[BulkContact]
    identified_at: dt.datetime | None


def parse_contacts_request(data: Any, *, case_id: int, user: Any) -> ContactsRequest:
    """A 流调 list for one case: rows {id_number | person_id, exposure, place, last_exposure_at,
    community?, note?}; the people are found by the full document number (keyed hash) or registry id."""
    items, identified_at = _request(data, key="contacts", allowed=CONTACT_REQUEST_FIELDS, time_key="identified_at")
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    exposures = set(ExposureType.values)
    for row, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(row, "row", _("应为对象")))
            continue
        bad = len(errors)
        errors += [RowError(row, k, _("未知字段")) for k in sorted(item.keys() - CONTACT_FIELDS)]
        id_number, person_id = item.get("id_number"), item.get("person_id")
        if (id_number is None) == (person_id is None):
            errors.append(RowError(row, "id_number", _("请给出 id_number 或 person_id（只能给出一个）")))
        elif person_id is not None and not _is_int(person_id):
            errors.append(RowError(row, "person_id", _("应为人员编号（整数）")))
        elif id_number is not None and not isinstance(id_number, str):
            errors.append(RowError(row, "id_number", _("应为字符串")))
        exposure = item.get("exposure")
        if not isinstance(exposure, str) or exposure not in exposures:
            errors.append(RowError(row, "exposure", _("接触方式应为 %(v)s 之一") % {"v": "、".join(sorted(exposures))}))
        place = item.get("place")
        if not isinstance(place, str) or not place.strip():
            errors.append(RowError(row, "place", _("请填写接触地点")))
        last = _moment(item.get("last_exposure_at"))
        if last is None:
            errors.append(RowError(row, "last_exposure_at", _bad_time(item.get("last_exposure_at"))))
        community = item.get("community")
        if community is not None and not _is_int(community):
            errors.append(RowError(row, "community", _("应为社区编号（整数）")))
        note = item.get("note", "")
        if not isinstance(note, str):
            errors.append(RowError(row, "note", _("应为字符串")))
        if len(errors) == bad:
            parsed.append((row, {**item, "last_exposure_at": last}))
    if errors:
        raise RowsRefused(errors, rule=FORMAT_RULE)

    # The people: by full document number, whoever they are (the tracer holds the number: a contact
    # may live in another district); by registry id only the people the caller may see (ids can be
    # counted through: someone outside answers as missing). The numbers answered "not registered" in
    # a refused list count as searches by full number.
    by_number = person_ids_by_id_number({row: item["id_number"] for row, item in parsed if "id_number" in item})
    unregistered: list[str] = []
    ids = sorted({item["person_id"] for _row, item in parsed if item.get("person_id") is not None})
    known = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    rows: list[BulkContact] = []
    for row, item in parsed:
        if "id_number" in item:
            person_id, field = by_number.get(row), "id_number"
        else:
            person_id, field = item["person_id"] if item["person_id"] in known else None, "person_id"
        if person_id is None:
            message = _("人口库中没有该证件号码") if field == "id_number" else _("人员不存在")
            errors.append(RowError(row, field, message, PERSON_IN_REGISTRY))
            if field == "id_number":
                unregistered.append(item["id_number"])
            continue
        rows.append(
            BulkContact(
                person_id=person_id,
                case_id=case_id,
                exposure=item["exposure"],
                place=item["place"],
                last_exposure_at=item["last_exposure_at"],
                community_id=item.get("community"),
                note=item.get("note", ""),
                row=row,
                id_number=item.get("id_number") or "",
            )
        )
    if errors:
        count_numbers(actor=user, numbers=unregistered, where=BULK_WHERE)  # past the limit: SearchLimited, 429
        raise RowsRefused(errors, rule=PERSON_IN_REGISTRY if all(e.rule == PERSON_IN_REGISTRY for e in errors) else FORMAT_RULE)
    return ContactsRequest(rows=rows, identified_at=identified_at)


@dataclass
class CheckInsRequest:
    rows: list[BulkCheckIn]
    at: dt.datetime | None


def parse_check_ins_request(data: Any, *, site_id: int) -> CheckInsRequest:
    """A site's check-ins: rows {episode, room | room_number, party?}; every room must be the site's."""
    items, at = _request(data, key="check_ins", allowed=CHECK_IN_REQUEST_FIELDS, time_key="at")
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(row, "row", _("应为对象")))
            continue
        bad = len(errors)
        errors += [RowError(row, k, _("未知字段")) for k in sorted(item.keys() - CHECK_IN_FIELDS)]
        if not _is_int(item.get("episode")):
            errors.append(RowError(row, "episode", _("应为隔离记录编号（整数）")))
        room, number = item.get("room"), item.get("room_number")
        if (room is None) == (number is None):
            errors.append(RowError(row, "room", _("请给出 room 或 room_number（只能给出一个）")))
        elif room is not None and not _is_int(room):
            errors.append(RowError(row, "room", _("应为房间编号（整数）")))
        elif number is not None and not isinstance(number, str):
            errors.append(RowError(row, "room_number", _("应为字符串")))
        party = item.get("party", "")
        if not isinstance(party, str):
            errors.append(RowError(row, "party", _("应为字符串")))
        if len(errors) == bad:
            parsed.append((row, item))
    if errors:
        raise RowsRefused(errors, rule=FORMAT_RULE)

    rooms = dict(Room.objects.filter(site_id=site_id).values_list("number", "pk"))
    of_site = set(rooms.values())
    rows: list[BulkCheckIn] = []
    for row, item in parsed:
        if item.get("room_number") is not None:
            room_id = rooms.get(item["room_number"].strip())
            if room_id is None:
                errors.append(RowError(row, "room_number", _("本隔离点没有房间 %(r)s") % {"r": item["room_number"]}))
                continue
        else:
            room_id = item["room"]
            if room_id not in of_site:
                errors.append(RowError(row, "room", _("房间 #%(r)s 不属于本隔离点") % {"r": room_id}))
                continue
        rows.append(BulkCheckIn(episode_id=item["episode"], room_id=room_id, party=item.get("party", "").strip(), row=row))
    if errors:
        raise RowsRefused(errors, rule=FORMAT_RULE)
    return CheckInsRequest(rows=rows, at=at)
