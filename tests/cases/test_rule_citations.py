"""快转's rule citations are stored as every app's are (policy.RuleCitation, decision 0010): once per
text, whichever path cites it (a case by hand, the queue's batch, a test, a discharge); read with their
rows on the board and the API lists (no query per row); shown as before — the 依据 folded, never inline."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.cases.choices import Classification
from fangkong.cases.models import CaseTest, HealthMonitoring, Transfer
from fangkong.cases.services import case_test_record, cases_open_from_queue
from fangkong.policy.models import RuleCitation
from fangkong.results.rules import Threshold

from ..testing import factories as tf
from .factories import at
from .pages import as_user, positives_fixture, scene_fixture  # noqa: F401  (fixtures)
from .test_api import API, client_for, rows_of
from .test_views_board import BOARD

CITATION_TABLE = RuleCitation._meta.db_table


def citation_reads(queries) -> list[str]:
    """Queries that read the citation table on its own (a join through select_related does not count)."""
    return [q["sql"] for q in queries if f'FROM "{CITATION_TABLE}"' in q["sql"].replace("`", '"')]


def _tests_with_ct(scene, wards) -> None:
    for case, user, hour in ((scene.in_hospital, wards.hospital_user, 6), (scene.in_fangcang, wards.fangcang_user, 7)):
        case_test_record(actor=user, case=case, result="negative", ct_orf1ab=38, ct_n=39, sampled_at=at(hour))


def test_a_text_is_one_row_for_every_transfer_test_and_monitoring(scene, wards):
    _tests_with_ct(scene, wards)
    transfers = list(Transfer.objects.all())
    assert len({t.deadline_citation_id for t in transfers}) == 1 and "transfer.deadline" in transfers[0].deadline_rule
    mild = [t for t in transfers if t.case.classification == Classification.MILD]
    assert len({t.triage_citation_id for t in mild}) == 1 and "triage." in mild[0].triage_rule
    tests = [t for t in CaseTest.objects.all() if t.decided_by]
    assert len({t.decision_citation_id for t in tests}) == 1 and tests[0].decided_by == Threshold.active().citation
    monitoring = HealthMonitoring.objects.get()
    assert "discharge.home_monitoring_days" in monitoring.rule and monitoring.citation.text == monitoring.rule
    texts = list(RuleCitation.objects.values_list("text", flat=True))
    assert len(texts) == len(set(texts))


def test_the_queue_resolves_its_batch_rules_at_once(positives, users, wards):
    with CaptureQueriesContext(connection) as opening:
        report = cases_open_from_queue(actor=None, at=tf.at(9.1))
    assert report.opened == 2
    # one look-up for the batch (a SELECT, and an INSERT and a SELECT for texts not stored yet), not per case
    assert len(citation_reads(opening.captured_queries)) <= 2
    transfers = list(Transfer.objects.all())
    assert len(transfers) == 2 and len({t.deadline_citation_id for t in transfers}) == 1
    assert all(t.triage_citation_id for t in transfers) and "triage." in transfers[0].triage_rule


def test_the_board_and_the_api_read_the_citations_with_their_rows(client, scene, users, wards):
    _tests_with_ct(scene, wards)
    with CaptureQueriesContext(connection) as board:
        page = as_user(client, users["command"]).get(BOARD).content.decode()
    assert citation_reads(board.captured_queries) == []
    assert "triage.fangcang_classes" in page  # the triage rule, in its folded 依据 as before
    command = client_for(users["command"])
    with CaptureQueriesContext(connection) as listed:
        board = [item["transfer"] for item in rows_of(command.get(f"{API}/transfers/"))]
        monitorings = rows_of(command.get(f"{API}/monitoring/"))
        detail = command.get(f"{API}/{scene.in_hospital.pk}/").json()
    assert citation_reads(listed.captured_queries) == []
    transfers = board + detail["transfers"]
    assert board and all("transfer.deadline" in t["deadline_rule"] and "triage." in t["triage_rule"] for t in transfers)
    assert monitorings and all("discharge.home_monitoring_days" in m["rule"] for m in monitorings)
    assert any("testing.positive_ct_threshold" in t["decided_by"] for t in detail["tests"])
