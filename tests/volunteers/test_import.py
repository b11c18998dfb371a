"""Bulk import from .xlsx: every bad row named with its field, nothing half-applied; the page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from fangkong.core.rows import RowsRefused
from fangkong.volunteers.models import Volunteer
from fangkong.volunteers.services import read_xlsx, volunteers_import

from ..factories import next_id_number

HEADER = ["姓名", "证件号码", "手机号", "区县", "街道", "社区", "技能", "可服务时间", "组织"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(name, number=None, phone="13912345678", community="迎宾南路社区", skills="采样、驾驶", org="共青团应急保障志愿服务队"):
    return [name, number or next_id_number(), phone, "新城区", "中山东路街道", community, skills, "周末", org]


def test_a_good_file_is_imported_whole_awaiting_verification(world):
    n = volunteers_import(actor=world.coordinator, rows=read_xlsx(_xlsx([_row("甲"), _row("乙")])))
    assert n == 2
    a = Volunteer.objects.get(name="甲")
    assert (a.status, a.source, a.skill_codes, a.availability, a.organisation_id) == (
        "applied",
        "import",
        ["sampling", "driving"],
        "weekends",
        world.organisation.pk,
    )


def test_every_bad_row_is_named_with_its_field_and_nothing_is_written(world):
    number = next_id_number()
    rows = [
        _row("好人", number=number),
        _row(""),
        _row("坏号", number="150102198005170000"),
        _row("重复", number=number),
        _row("远方", community="不存在社区"),
        _row("怪技能", skills="飞行"),
        _row("坏电话", phone="12"),
    ]
    with pytest.raises(RowsRefused) as refused:
        volunteers_import(actor=world.coordinator, rows=read_xlsx(_xlsx(rows)))
    found = {(e.row, e.field) for e in refused.value.errors}
    assert {(2, "name"), (3, "id_number"), (4, "id_number"), (5, "community"), (6, "skills"), (7, "phone")} <= found
    assert not any(row == 1 for row, _f in found)
    assert not Volunteer.objects.exists()


def test_an_already_registered_number_is_refused_to_the_coordinator(world):
    number = next_id_number()
    world.apply("已报名", id_number=number)
    with pytest.raises(RowsRefused) as refused:
        volunteers_import(actor=world.coordinator, rows=read_xlsx(_xlsx([_row("再来", number=number)])))
    assert refused.value.errors[0].field == "id_number"


def test_a_community_outside_the_grant_is_refused(world):
    row = ["外区", next_id_number(), "13912345678", "回民区", "环河街街道", "通顺社区", "", "", ""]
    with pytest.raises(RowsRefused) as refused:
        volunteers_import(actor=world.coordinator, rows=read_xlsx(_xlsx([row])))
    assert refused.value.errors[0].field == "community"


def test_the_import_page_lists_the_errors(client, world):
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("v.xlsx", _xlsx([_row("好人"), _row("坏电话", phone="12")]))
    page = client.post(reverse("volunteers:volunteer_import"), {"file": upload})
    assert page.status_code == 422 and 'data-row="2" data-field="phone"' in page.content.decode()
    bad = client.post(reverse("volunteers:volunteer_import"), {"file": SimpleUploadedFile("v.xlsx", b"not a workbook")})
    assert bad.status_code == 422 and ".xlsx" in bad.content.decode()
    assert not Volunteer.objects.exists()
