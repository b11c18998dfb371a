"""The case list (scope, filters, search by name or ID number, masked numbers) and a case's page: the
timeline, classification, tests, the discharge check criterion by criterion with the policy
citations, discharge, withdrawal and care reopened; roles and scope."""

from __future__ import annotations

from django.urls import reverse

from fangkong.cases.choices import CaseStatus, MonitoringStatus, TransferReason, TransferStatus
from fangkong.cases.models import Case, CaseTest, HealthMonitoring, Transfer
from fangkong.core.crypto import decrypt

from .factories import at, board_transfer
from .pages import HTMX, as_user, positives_fixture, scene_fixture  # noqa: F401  (fixtures)

LIST = reverse("cases:case_list")


def detail(case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def action(name: str, case) -> str:
    return reverse(f"cases:{name}", args=[case.pk])


def listed(response) -> set[int]:
    return {c.pk for c in response.context["rows"]}


def when(hours: float) -> str:
    return at(hours).strftime("%Y-%m-%dT%H:%M")


# ---- the list ----


def test_each_user_lists_the_cases_they_cover(client, scene, users, wards):
    everything = {c.pk for c in vars(scene).values()}
    assert listed(as_user(client, users["command"]).get(LIST)) == everything
    assert listed(as_user(client, users["district"]).get(LIST)) == everything - {scene.waiting.pk}
    assert listed(as_user(client, wards.hospital_user).get(LIST)) == {scene.in_hospital.pk, scene.coming.pk}
    assert listed(as_user(client, users["nogrant"]).get(LIST)) == set()


def test_the_list_filters_and_searches_by_name_or_id_number(client, scene, users, wards):
    c = as_user(client, users["command"])
    assert listed(c.get(LIST, {"status": "open"})) == {scene.awaiting.pk, scene.waiting.pk, scene.coming.pk}
    assert listed(c.get(LIST, {"classification": "moderate"})) == {scene.in_hospital.pk, scene.coming.pk}
    assert listed(c.get(LIST, {"facility": wards.fangcang.pk})) == {scene.in_fangcang.pk, scene.discharged.pk}
    person = scene.coming.person
    # the search posts (no name or number in a URL) and shows its results at ?s=<token>
    assert listed(c.post(LIST, {"q": person.name}, follow=True)) == {scene.coming.pk}
    assert scene.coming.pk in listed(c.post(LIST, {"q": person.id_tail}, follow=True))
    full = decrypt(person.id_cipher)
    response = c.post(LIST, {"q": full}, follow=True)
    assert listed(response) == {scene.coming.pk} and response.redirect_chain[0][1] == 303
    assert full not in response.redirect_chain[0][0] and response.request["QUERY_STRING"].startswith("s=")
    table = response.content.decode().split('id="case-table"')[1]
    assert person.id_masked in table and full not in table  # rows show the masked number only
    fragment = c.get(LIST, {"status": "admitted"}, **HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    posted = c.post(LIST, {"q": person.name, "status": "open"}, **HTMX)  # htmx: the fragment, the token URL pushed
    assert posted["HX-Push-Url"].startswith(f"{LIST}?s=") and person.name not in posted["HX-Push-Url"]
    assert posted.content.decode().count("data-case=") == 1 and f'data-case="{scene.coming.pk}"' in posted.content.decode()
    # a name in the URL (an old bookmark) is not searched by
    old = c.get(LIST, {"q": person.name})
    assert scene.coming.pk in listed(old) and len(listed(old)) > 1 and 'id="search-not-in-url"' in old.content.decode()


# ---- a case ----


def test_a_case_page_shows_the_person_masked_and_their_timeline(client, scene, users):
    response = as_user(client, users["district"]).get(detail(scene.in_hospital))
    assert response.status_code == 200
    content = response.content.decode()
    person = scene.in_hospital.person
    assert person.id_masked in content and decrypt(person.id_cipher) not in content
    kinds = [s.kind for s in response.context["timeline"]]
    assert {"case_opened", "classified", "triage", "dispatched", "picked_up", "admitted", "test"} <= set(kinds)
    assert kinds.index("triage") < kinds.index("dispatched") < kinds.index("picked_up") < kinds.index("admitted")
    assert 'id="timeline"' in content and "入院收治" in content
    triage = next(s for s in response.context["timeline"] if s.kind == "triage")
    assert "triage." not in triage.detail and "triage." in triage.basis  # the rule folded as 依据, not inline


def test_a_case_page_shows_the_transfer_in_flight_with_its_actions(client, scene, users):
    response = as_user(client, users["district"]).get(detail(scene.coming))
    row = response.context["row"]
    assert row.transfer == board_transfer(scene.coming) and row.can_pick_up
    assert f'name="next" value="{detail(scene.coming)}"' in response.content.decode()


def test_cases_outside_the_users_scope_answer_404(client, scene, users, wards):
    assert as_user(client, users["district"]).get(detail(scene.waiting)).status_code == 404
    assert as_user(client, wards.hospital_user).get(detail(scene.in_fangcang)).status_code == 404
    assert as_user(client, wards.fangcang_user).get(detail(scene.in_fangcang)).status_code == 200
    assert as_user(client, users["nogrant"]).get(detail(scene.awaiting)).status_code == 404


def test_a_reclassification_that_needs_an_icu_puts_the_patient_back_on_the_board(client, scene, users, wards):
    c = as_user(client, wards.hospital_user)
    data = {"classify-classification": "severe", "classify-at": when(30), "classify-note": "血氧下降"}
    response = c.post(action("case_classify", scene.in_hospital), data, follow=True)
    assert response.status_code == 200 and "已更新临床分型：重型" in response.content.decode()
    assert "已放回转运看板" in response.content.decode()
    t = board_transfer(scene.in_hospital)
    assert (t.reason, t.triage_bed_type) == (TransferReason.RECLASSIFIED, "icu")
    # out of order: before the last classification
    response = c.post(action("case_classify", scene.in_hospital), {"classify-classification": "critical", "classify-at": when(20)})
    assert response.status_code == 422 and "早于" in response.content.decode()
    assert as_user(client, users["community"]).post(action("case_classify", scene.in_hospital), data).status_code == 403


def test_tests_are_recorded_by_the_treating_facility(client, scene, users, wards):
    c = as_user(client, wards.hospital_user)
    response = c.post(
        action("case_test_record", scene.in_hospital), {"test-sampled_at": when(30), "test-ct_orf1ab": "36", "test-ct_n": "37"}
    )
    assert response.status_code == 302
    test = CaseTest.objects.filter(case=scene.in_hospital).latest("sampled_at")
    assert test.result == "negative" and test.ct_orf1ab == 36  # decided by the policy's Ct threshold
    response = c.post(
        action("case_test_record", scene.in_hospital), {"test-sampled_at": when(31), "test-result": "positive", "test-ct_orf1ab": "38"}
    )
    assert response.status_code == 422 and "testing.positive_ct_threshold" in response.content.decode()
    response = c.post(action("case_test_record", scene.in_hospital), {"test-sampled_at": ""})
    assert response.status_code == 422 and "请填写采样时间" in response.content.decode()
    assert as_user(client, users["district"]).post(action("case_test_record", scene.in_hospital), {}).status_code == 403


def test_the_discharge_check_is_shown_criterion_by_criterion_with_its_rules(client, scene, wards):
    c = as_user(client, wards.hospital_user)
    response = c.get(detail(scene.in_hospital))
    check = response.context["discharge_check"]
    assert not check.passed and response.context["clinical_needed"]  # a moderate case
    content = response.content.decode()
    for key in ("discharge.ct_threshold", "discharge.tests_required", "discharge.clinical_criteria"):
        assert f'data-criterion="{key}' in content
    assert "第九版" in content  # the source document of the rules
    # ticking the clinical conditions re-checks them (htmx), writing nothing
    clinical = ["afebrile_3_days", "respiratory_improved", "imaging_improved"]
    fragment = c.get(action("discharge_check", scene.in_hospital), {"discharge-clinical": clinical}, **HTMX)
    text = fragment.content.decode()
    assert "<html" not in text and 'id="discharge-check"' in text
    for code in clinical:
        assert f'data-criterion="discharge.clinical_criteria:{code}" data-passed="1"' in text
    assert f'data-criterion="discharge.clinical_criteria:{clinical[0]}" data-passed="0"' in content


def test_discharge_is_refused_until_the_criteria_pass_then_starts_home_monitoring(client, scene, users, wards):
    c = as_user(client, wards.hospital_user)
    data = {"discharge-at": when(80), "discharge-clinical": ["afebrile_3_days", "respiratory_improved", "imaging_improved"]}
    response = c.post(action("case_discharge", scene.in_hospital), data)
    assert response.status_code == 422 and "不符合出院标准" in response.content.decode()
    for h in (30, 54):
        c.post(action("case_test_record", scene.in_hospital), {"test-sampled_at": when(h), "test-result": "negative"})
    assert as_user(client, users["district"]).post(action("case_discharge", scene.in_hospital), data).status_code == 403
    assert as_user(client, wards.fangcang_user).post(action("case_discharge", scene.in_hospital), data).status_code == 404
    response = as_user(client, wards.hospital_user).post(action("case_discharge", scene.in_hospital), data, follow=True)
    assert "转入居家健康监测 7 天" in response.content.decode()
    case = Case.objects.get(pk=scene.in_hospital.pk)
    assert case.status == CaseStatus.DISCHARGED
    assert HealthMonitoring.objects.get(case=case, status=MonitoringStatus.ACTIVE).community_id == case.person.community_id


def test_a_case_opened_in_error_is_withdrawn_with_a_reason(client, scene, users):
    c = as_user(client, users["district"])
    response = c.post(action("case_withdraw", scene.awaiting), {"withdraw-reason": ""})
    assert response.status_code == 422 and "请填写撤销原因" in response.content.decode()
    response = c.post(action("case_withdraw", scene.awaiting), {"withdraw-reason": "检测机构更正结果为阴性"})
    assert response.status_code == 302
    assert Case.objects.get(pk=scene.awaiting.pk).status == CaseStatus.WITHDRAWN
    assert not Transfer.objects.filter(case=scene.awaiting, status=TransferStatus.AWAITING).exists()
    response = as_user(client, users["community"]).post(action("case_withdraw", scene.coming), {"withdraw-reason": "x"})
    assert response.status_code == 403


def test_care_is_reopened_from_home_monitoring(client, scene, users):
    c = as_user(client, users["community"])
    page = c.get(detail(scene.discharged))
    assert page.context["can_reopen"] and "reopen-form" in page.content.decode()
    response = c.post(action("case_reopen", scene.discharged), {"reopen-reason": "发热 38.5℃"}, follow=True)
    assert "回到转运看板" in response.content.decode()
    assert board_transfer(scene.discharged).reason == TransferReason.REOPENED


def test_the_positive_result_names_its_threshold_rule_readably_with_the_code_folded(client, users, positives):
    """ "阳性判定 Ct 值：35 Ct" beside the Ct values; "testing.positive_ct_threshold = 35Ct" only in 依据."""
    from fangkong.cases.services.opening import case_open_from_positive

    case = case_open_from_positive(actor=users["command"], positive=positives[0])
    response = as_user(client, users["district"]).get(detail(case))
    steps = [s for s in response.context["timeline"] if s.kind == "result"]
    assert steps, [s.kind for s in response.context["timeline"]]
    step = steps[0]
    assert "阳性判定 Ct 值：35 Ct" in step.detail and "testing." not in step.detail
    assert "testing.positive_ct_threshold = 35Ct" in step.basis
    content = response.content.decode()
    assert "阳性判定 Ct 值：35 Ct" in content
