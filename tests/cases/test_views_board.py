"""The transfer board: what each user sees (a district its people, a hospital the patients coming
to it), overdue first with the countdown and the suggested facility with its rule; dispatch, pick-up,
admission and refusal as htmx row updates and as plain POSTs; refusals named; roles and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.cases import events
from fangkong.cases.choices import Classification, TransferStatus
from fangkong.cases.models import Case, Transfer
from fangkong.cases.services import case_classify, transfer_dispatch, transfer_pick_up
from fangkong.cases.views import board as board_views
from fangkong.cases.views.board import countdown

from .factories import at, beds, board_transfer, open_case
from .pages import HTMX, as_user, scene_fixture  # noqa: F401  (a fixture)

BOARD = reverse("cases:board")


def url(name: str, transfer) -> str:
    return reverse(f"cases:{name}", args=[transfer.pk])


def row_ids(response) -> list[int]:
    return [r.transfer.pk for r in response.context["rows"]]


# ---- the board ----


def test_a_district_sees_its_peoples_transfers_overdue_first_with_the_countdown(beijing_afternoon, client, scene, users, wards):
    fresh = open_case(users["district"], wards.people[5], Classification.MILD, confirmed_at=timezone.now() - dt.timedelta(hours=1))
    response = as_user(client, users["district"]).get(BOARD)
    assert response.status_code == 200
    ids = row_ids(response)
    # 回民区's waiting case is not the district's; the case confirmed an hour ago (due tonight) comes last
    expected = [board_transfer(c).pk for c in (scene.coming, scene.awaiting)]
    assert sorted(ids[:-1]) == sorted(expected) and ids[-1] == board_transfer(fresh).pk
    assert board_transfer(scene.waiting).pk not in ids
    rows = response.context["rows"]
    assert all(r.item.overdue for r in rows[:-1]) and not rows[-1].item.overdue
    content = response.content.decode()
    assert "超时" in content and "剩余" in content
    assert wards.people[4].id_masked in content and "data-deadline" in content
    summary = response.context["summary"]
    assert (summary.total, summary.overdue, summary.awaiting, summary.dispatched) == (3, 2, 2, 1)


def test_each_awaiting_row_carries_the_suggested_facility_and_its_triage_rule(client, scene, users, wards):
    response = as_user(client, users["district"]).get(BOARD)
    row = next(r for r in response.context["rows"] if r.transfer.case_id == scene.awaiting.pk)
    assert row.item.suggestion.facility.facility_id == wards.fangcang.pk
    assert row.can_dispatch and not row.can_admit
    assert [c.pk for c in row.fitting][0] == wards.fangcang.pk and row.fitting[0].selected
    content = response.content.decode()
    assert f'data-suggested="{wards.fangcang.pk}"' in content
    assert "triage.fangcang_classes" in content  # the rule behind the suggestion, with its citation


def test_the_command_centre_sees_the_whole_city_and_filters_it(client, scene, users, city):
    c = as_user(client, users["command"])
    assert len(row_ids(c.get(BOARD))) == 3
    assert row_ids(c.get(BOARD, {"district": city.elsewhere.district.pk})) == [board_transfer(scene.waiting).pk]
    assert row_ids(c.get(BOARD, {"status": "dispatched"})) == [board_transfer(scene.coming).pk]
    assert len(row_ids(c.get(BOARD, {"triage_kind": "hospital"}))) == 1
    assert len(row_ids(c.get(BOARD, {"overdue": "on"}))) == 3


def test_a_hospital_sees_only_the_patients_on_their_way_to_it(client, scene, users, wards):
    response = as_user(client, wards.hospital_user).get(BOARD)
    (row,) = response.context["rows"]
    assert row.transfer.case_id == scene.coming.pk
    assert not row.can_dispatch and not row.can_pick_up and not row.can_admit  # not picked up yet
    assert row.can_refuse  # the assigned facility may turn a patient away
    assert as_user(client, wards.fangcang_user).get(BOARD).context["rows"] == []
    assert as_user(client, users["nogrant"]).get(BOARD).context["rows"] == []


def test_the_board_refreshes_itself_as_a_fragment(client, scene, users):
    response = as_user(client, users["district"]).get(BOARD, {"status": "awaiting"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert content.lstrip().startswith('<div id="board"') and "every 30s" in content
    assert "status=awaiting" in content  # the refresh keeps the filter


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_countdown_reads_as_time_left_or_past_the_deadline():
    assert countdown(dt.timedelta(hours=3, minutes=5)) == "剩余 3 小时 05 分"
    assert countdown(-dt.timedelta(days=1, hours=2, minutes=1)) == "超时 1 天 2 小时"


# ---- dispatch ----


def test_dispatch_with_htmx_updates_the_row_to_the_suggested_facility(client, scene, users, wards):
    t = board_transfer(scene.awaiting)
    data = {"facility": "", "bed_type": "general", "vehicle": "蒙A·12345", "crew": "张医生", "next": BOARD}
    response = as_user(client, users["district"]).post(url("transfer_dispatch", t), data, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="transfer-{t.pk}"' in content and 'data-status="dispatched"' in content
    assert "蒙A·12345" in content and "已派车" in content
    t.refresh_from_db()
    assert (t.status, t.assigned_facility_id, t.vehicle, t.crew) == (TransferStatus.DISPATCHED, wards.fangcang.pk, "蒙A·12345", "张医生")
    event = AuditEvent.objects.filter(event_type=events.TRANSFER_DISPATCHED).latest("id")
    assert event.after["followed_suggestion"] is True


def test_dispatch_without_javascript_redirects_back_with_a_message(client, scene, users, wards):
    t = board_transfer(scene.awaiting)
    data = {"facility": wards.fangcang.pk, "bed_type": "general", "vehicle": "蒙A·12345", "next": f"{BOARD}?status=awaiting"}
    response = as_user(client, users["district"]).post(url("transfer_dispatch", t), data, follow=True)
    assert response.redirect_chain[-1][0] == f"{BOARD}?status=awaiting"
    assert "已派车" in response.content.decode()
    t.refresh_from_db()
    assert t.status == TransferStatus.DISPATCHED


def test_a_dispatch_without_a_vehicle_or_to_a_facility_that_does_not_admit_is_refused(client, scene, users, wards):
    c = as_user(client, users["command"])
    t = board_transfer(scene.awaiting)
    response = c.post(url("transfer_dispatch", t), {"facility": "", "bed_type": "general", "vehicle": ""}, **HTMX)
    assert response.status_code == 422 and "请填写转运车辆" in response.content.decode()
    moderate = open_case(users["command"], wards.people[5], Classification.MODERATE)
    t2 = board_transfer(moderate)
    data = {"facility": wards.fangcang.pk, "bed_type": "general", "vehicle": "蒙A·1"}
    response = c.post(url("transfer_dispatch", t2), data, **HTMX)
    content = response.content.decode()
    assert response.status_code == 422 and "不收治“普通型”病例" in content
    assert "依据" in content and "triage.fangcang_classes" in content  # the policy rule, cited
    assert "data-refused" in content and "open" in content  # the dispatch form stays open
    assert Transfer.objects.filter(pk__in=[t.pk, t2.pk], status=TransferStatus.AWAITING).count() == 2
    response = c.post(url("transfer_dispatch", t2), data, follow=True)  # the same refusal without JavaScript
    assert "不收治“普通型”病例" in response.content.decode()


def test_a_dispatch_that_leaves_more_patients_on_the_way_than_free_beds_says_so(client, scene, users, wards):
    from django.db.models import F

    from fangkong.cases.models import FacilityBeds

    FacilityBeds.objects.filter(facility=wards.fangcang, bed_type="general").update(capacity=F("occupied") + 1)  # one bed free
    occupied = FacilityBeds.objects.get(facility=wards.fangcang, bed_type="general").occupied
    data = {"facility": wards.fangcang.pk, "bed_type": "general", "vehicle": "蒙A·1", "next": BOARD}
    c = as_user(client, users["command"])
    first = c.post(url("transfer_dispatch", board_transfer(scene.awaiting)), data, **HTMX).content.decode()
    assert "已派车" in first and "注意" not in first  # one patient for one bed
    second_case = open_case(users["command"], wards.people[5], Classification.MILD)
    second = c.post(url("transfer_dispatch", board_transfer(second_case)), {**data, "vehicle": "蒙A·2"}, **HTMX).content.decode()
    assert "已派车" in second  # allowed: the bed is free now, admission decides
    assert f"在院 {occupied}/{occupied + 1}，连同本车在途 2 人，全部到达时缺 1 张床" in second
    assert Transfer.objects.filter(status=TransferStatus.DISPATCHED, assigned_facility=wards.fangcang).count() == 2


# ---- pick up, admit, refuse ----


def test_picked_up_then_admitted_by_the_facility_takes_a_bed(client, scene, users, wards):
    t = transfer_dispatch(actor=users["district"], transfer=board_transfer(scene.awaiting), vehicle="蒙A·1", facility=wards.fangcang)
    response = as_user(client, users["district"]).post(url("transfer_pick_up", t), **HTMX)
    assert response.status_code == 200 and 'data-status="picked_up"' in response.content.decode()
    before = beds(wards.fangcang)
    response = as_user(client, wards.fangcang_user).get(BOARD)
    (row,) = response.context["rows"]
    assert row.transfer.pk == t.pk and row.can_admit
    response = as_user(client, wards.fangcang_user).post(url("transfer_admit", t), {"bed_type": ""}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and 'data-status="admitted"' in content and "已收治" in content
    assert beds(wards.fangcang) == (before[0] + 1, before[1])
    case = Case.objects.get(pk=scene.awaiting.pk)
    assert (case.status, case.facility_id) == ("admitted", wards.fangcang.pk)


def test_a_refusal_puts_the_case_back_on_the_board_with_its_deadline(client, scene, users, wards):
    t = transfer_dispatch(actor=users["district"], transfer=board_transfer(scene.awaiting), vehicle="蒙A·1", facility=wards.fangcang)
    c = as_user(client, wards.fangcang_user)
    response = c.post(url("transfer_refuse", t), {"reason": ""}, **HTMX)
    assert response.status_code == 422 and "请填写原因" in response.content.decode()
    response = c.post(url("transfer_refuse", t), {"reason": "床位临时检修"}, **HTMX)
    again = board_transfer(scene.awaiting)
    content = response.content.decode()
    # the Fangcang no longer sees the patient: a confirmation, without a link to the case
    assert response.status_code == 200 and again.pk != t.pk
    assert f'id="transfer-{t.pk}"' in content and 'data-status="refused"' in content and "已登记拒收" in content
    assert reverse("cases:case_detail", args=[scene.awaiting.pk]) not in content
    assert again.deadline_at == t.deadline_at
    t.refresh_from_db()
    assert (t.status, t.refused_reason) == (TransferStatus.REFUSED, "床位临时检修")
    board = as_user(client, users["district"]).get(BOARD)
    row = next(r for r in board.context["rows"] if r.transfer.pk == again.pk)
    assert row.item.refusals == 1 and "已被拒收 1 次" in board.content.decode()
    # refused again, recorded by the dispatcher: the row becomes the new awaiting one
    again = transfer_dispatch(actor=users["district"], transfer=again, vehicle="蒙A·2", facility=wards.fangcang)
    response = as_user(client, users["district"]).post(url("transfer_refuse", again), {"reason": "患者拒绝转运，已劝导"}, **HTMX)
    third = board_transfer(scene.awaiting)
    content = response.content.decode()
    assert f'id="transfer-{third.pk}"' in content and 'data-status="awaiting"' in content and "已被拒收 2 次" in content


# ---- roles and scope ----


@pytest.mark.parametrize("name", ["transfer_dispatch", "transfer_pick_up"])
def test_only_dispatchers_dispatch_and_pick_up(client, scene, users, wards, name):
    t = board_transfer(scene.awaiting)
    for user in (users["community"], wards.hospital_user, users["grid"]):
        response = as_user(client, user).post(url(name, t), {"vehicle": "蒙A·1"})
        assert response.status_code == 403
    assert Transfer.objects.get(pk=t.pk).status == TransferStatus.AWAITING


def test_only_the_facilitys_staff_or_the_command_centre_admit(client, scene, users, wards):
    t = transfer_dispatch(actor=users["district"], transfer=board_transfer(scene.awaiting), vehicle="蒙A·1", facility=wards.fangcang)
    t = transfer_pick_up(actor=users["district"], transfer=t)
    assert as_user(client, users["district"]).post(url("transfer_admit", t), **HTMX).status_code == 403
    # the hospital does not see a patient on the way to the Fangcang: 404, not 403
    assert as_user(client, wards.hospital_user).post(url("transfer_admit", t), **HTMX).status_code == 404
    assert Transfer.objects.get(pk=t.pk).status == TransferStatus.PICKED_UP


def test_a_transfer_outside_the_users_jurisdiction_answers_404(client, scene, users):
    t = board_transfer(scene.waiting)  # 回民区
    response = as_user(client, users["district"]).post(url("transfer_dispatch", t), {"vehicle": "蒙A·1"}, **HTMX)
    assert response.status_code == 404
    assert as_user(client, users["nogrant"]).post(url("transfer_dispatch", t), {"vehicle": "蒙A·1"}).status_code in (403, 404)
    assert Transfer.objects.get(pk=t.pk).status == TransferStatus.AWAITING


def test_actions_are_posts(client, scene, users):
    t = board_transfer(scene.awaiting)
    assert as_user(client, users["district"]).get(url("transfer_dispatch", t)).status_code == 405


def test_a_hospital_admits_on_the_spot_a_case_it_reported_or_moves_to_its_icu(client, scene, users, wards):
    reported = open_case(users["command"], wards.people[5], Classification.MODERATE, reporting_facility=wards.hospital)
    c = as_user(client, wards.hospital_user)
    page = c.get(reverse("cases:case_detail", args=[reported.pk]))
    row = page.context["row"]
    assert row.can_admit_on_spot and row.spot_facility == wards.hospital and not row.can_dispatch
    t = board_transfer(reported)
    response = c.post(url("transfer_admit", t), {"facility": wards.hospital.pk, "bed_type": "general"}, **HTMX)
    assert response.status_code == 200 and 'data-status="admitted"' in response.content.decode()
    assert Case.objects.get(pk=reported.pk).facility == wards.hospital
    # worse: the patient needs the hospital's own ICU bed, where they already are
    case_classify(actor=wards.hospital_user, case=scene.in_hospital, classification="severe", at=at(30))
    row = c.get(reverse("cases:case_detail", args=[scene.in_hospital.pk])).context["row"]
    assert row.can_admit_on_spot and row.spot_facility == wards.hospital
    # the command centre's board does not offer it for cases nobody reported from a facility
    board = as_user(client, users["command"]).get(BOARD)
    assert not any(r.can_admit_on_spot for r in board.context["rows"] if r.transfer.case_id == scene.awaiting.pk)


def test_the_board_is_paged_and_a_later_page_suggests_what_the_earlier_left(client, scene, users, wards, monkeypatch):
    monkeypatch.setattr(board_views, "PER_PAGE", 2)
    c = as_user(client, users["command"])
    first = c.get(BOARD)
    assert first.context["page_obj"].paginator.count == 3 and len(first.context["rows"]) == 2
    waiting = next(r for r in first.context["rows"] if r.transfer.case_id == scene.waiting.pk)
    assert waiting.item.suggestion.facility.facility_id == wards.fangcang.pk and waiting.item.suggestion.facility.free == 2
    (last,) = c.get(BOARD, {"page": 2}).context["rows"]
    assert last.transfer.case_id == scene.awaiting.pk
    assert last.item.suggestion.facility.free == 1  # the bed suggested on page 1 is spent
    assert c.get(BOARD, {"page": 2}).context["summary"].total == 3
