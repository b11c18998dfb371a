"""快检's rule citations are stored as every app's are (policy.RuleCitation, decision 0011): once per
text, whichever app or path cites it; read with their rows (no query per row on a list); and shown
as before — the readable line, with the rule's code and source folded in 依据, never inline."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.policy.models import RuleCitation
from fangkong.policy.rules import rule
from fangkong.results.rules import Threshold
from fangkong.testing.models import ConfirmedPositive, ResultUpload, RoundArea, TubeResult
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.services import AreaSpec, round_plan

from .factories import T0, csv_bytes, make_round
from .test_api import base, client_for, rows_of
from .test_views_lab import ago, beijing, post_file

CITATION_TABLE = RuleCitation._meta.db_table


def citation_reads(queries) -> list[str]:
    """Queries that read the citation table on its own (a join through select_related does not count)."""
    return [q["sql"] for q in queries if f'FROM "{CITATION_TABLE}"' in q["sql"].replace("`", '"')]


def test_a_text_is_one_row_for_every_round_area_result_and_positive(sampled, users):
    again = make_round(users["command"], number=9)
    first = Round.objects.get(pk=sampled.round.pk)
    deadline = rule("testing.result_deadline_hours").citation
    assert first.deadline_citation_id == again.deadline_citation_id and first.deadline_rule == deadline
    assert len({a.pooling_citation_id for a in RoundArea.objects.all()}) == 1
    threshold = Threshold.active()
    positive = ConfirmedPositive.objects.get()
    assert positive.decided_by == threshold.citation
    assert {r.decided_by for r in TubeResult.objects.all()} == {threshold.short}
    texts = list(RuleCitation.objects.values_list("text", flat=True))
    assert len(texts) == len(set(texts)) and {deadline, threshold.citation, threshold.short} <= set(texts)


def test_a_deadline_set_by_hand_is_cited_as_such(users, city):
    r = round_plan(actor=users["command"], number=12, areas=[AreaSpec("city")], starts_at=T0, deadline_at=T0.replace(hour=23))
    r.refresh_from_db()
    assert r.deadline_rule == "手工设定" and r.deadline_citation.text == "手工设定"


def test_lists_read_their_citations_with_their_rows(sampled, users):
    make_round(users["command"], number=9)
    command = client_for(users["command"])
    with CaptureQueriesContext(connection) as rounds:
        body = rows_of(command.get("/api/testing/rounds/"))
    assert len(body) == 2 and all("testing.result_deadline_hours" in r["deadline_rule"] for r in body)
    assert all(a["pooling_rule"] for r in body for a in r["areas"])
    assert citation_reads(rounds.captured_queries) == []
    with CaptureQueriesContext(connection) as queue:
        [positive] = rows_of(command.get("/api/testing/positives/"))
    assert "testing.positive_ct_threshold" in positive["decided_by"] and citation_reads(queue.captured_queries) == []
    with CaptureQueriesContext(connection) as tube:
        detail = client_for(sampled.lab_user).get(f"{base(sampled)}/tubes/S1/").json()
    assert detail["results"][0]["decided_by"] == Threshold.active().short and citation_reads(tube.captured_queries) == []


def test_the_upload_report_cites_the_threshold_by_name_with_the_code_folded_in_basis(sampled, client):
    client.force_login(sampled.lab_user)
    response = post_file(client, sampled, "结果.csv", csv_bytes([("P1", "阴性", None, None, beijing(ago(1)))]), lab=sampled.lab.pk)
    job = ResultUpload.objects.get()
    assert job.decided_by == Threshold.active().citation and job.decision_citation.text == job.decided_by
    page = client.get(response["Location"]).content.decode()
    basis = page.split("判定依据")[1].split("</p>")[0]
    visible, folded = basis.split("<details", 1)
    assert "<span data-citation>" in visible and "testing.positive_ct_threshold" not in visible
    assert 'data-rule="testing.positive_ct_threshold"' in folded
