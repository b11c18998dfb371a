"""Migrations policy 0008, isolation 0007 and testing 0008 (decision 0011): the rule citations are the
platform's (policy.RuleCitation). 快隔's citations move table keeping their ids (its bulk rows are not
rewritten); 快检's text citations become one row per distinct text; and back. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from ..migrator import MigrationExecutor

BEFORE = [("policy", "0007_daily_report_deadline"), ("isolation", "0006_episode_checked_in_index"), ("testing", "0007_door_sampling_tasks")]
POLICY_ONLY = [("policy", "0008_rule_citations"), ("isolation", "0006_episode_checked_in_index")]
AFTER = [("isolation", "0007_rule_citations_in_policy"), ("testing", "0008_rule_citations")]
T0 = dt.datetime(2022, 11, 20, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
DEADLINE = "testing.result_deadline_hours = 24h — 优化防控二十条措施（20条）"
POOLING = "pooling.precaution = pooled_20 — 区域核酸检测组织实施指南（第三版）"
SHORT = "testing.positive_ct_threshold<40@cn-9"
TEST_DAY = "close_contact.central_test_days = [1, 2, 3, 5, 7] — 第九版"
REGIMEN = "close_contact.central_days = 5 — 第九版"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Going back to BEFORE also unapplies every later migration of other apps that depends on these
    (reports, zoning …); AFTER does not bring them back. The tests this worker runs next (and the
    flush after this one) need every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _before(apps) -> dict:
    """快隔's two citations (ids kept apart from 1, 2 so a move that renumbers shows) and 快检's texts."""
    OldCitation = apps.get_model("isolation", "RuleCitation")
    test_day = OldCitation.objects.create(pk=7, digest=digest(TEST_DAY), text=TEST_DAY)
    regimen = OldCitation.objects.create(pk=9, digest=digest(REGIMEN), text=REGIMEN)
    # The bulk tables keep no database constraint: the rows need no episode or tube behind them.
    ScheduledTest = apps.get_model("isolation", "ScheduledTest")
    test = ScheduledTest.objects.create(episode_id=1, phase="central", day_number=1, due_date=T0.date(), citation_id=test_day.pk)
    Round = apps.get_model("testing", "TestingRound")
    rounds = [
        Round.objects.create(number=n, name=f"第{n}轮", starts_at=T0, deadline_at=T0, deadline_rule=DEADLINE, result_deadline_hours=24)
        for n in (8, 9)
    ]
    manual = Round.objects.create(
        number=10, name="第10轮", starts_at=T0, deadline_at=T0, deadline_rule="手工设定", result_deadline_hours=24
    )
    Area = apps.get_model("testing", "RoundArea")
    area = Area.objects.create(round=rounds[0], level="city", place_name="全市", pooling_mode="pooled_20", pooling_rule=POOLING)
    uncited = Area.objects.create(round=rounds[1], level="city", place_name="全市", pooling_mode="pooled_20", pooling_rule="")
    Result = apps.get_model("testing", "TubeResult")
    results = [
        Result.objects.create(round_id=rounds[0].pk, tube_id=n, result="negative", reported_at=T0, decided_by=SHORT, created_at=T0)
        for n in (1, 2, 3)
    ]
    return {
        "test": test.pk,
        "rounds": [r.pk for r in rounds],
        "manual": manual.pk,
        "area": area.pk,
        "uncited": uncited.pk,
        "results": [r.pk for r in results],
        "regimen": regimen.pk,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_isolation_keeps_its_ids_testing_gets_one_row_per_text_and_back():
    rows = _before(migrate(BEFORE))

    apps = migrate(AFTER)
    Citation = apps.get_model("policy", "RuleCitation")
    stored = dict(Citation.objects.values_list("text", "pk"))
    assert stored[TEST_DAY] == 7 and stored[REGIMEN] == rows["regimen"]  # moved with their ids
    assert apps.get_model("isolation", "ScheduledTest").objects.get(pk=rows["test"]).citation_id == 7
    Round = apps.get_model("testing", "TestingRound")
    assert {r.deadline_citation_id for r in Round.objects.filter(pk__in=rows["rounds"])} == {stored[DEADLINE]}
    assert Round.objects.get(pk=rows["manual"]).deadline_citation_id == stored["手工设定"]
    Area = apps.get_model("testing", "RoundArea")
    assert Area.objects.get(pk=rows["area"]).pooling_citation_id == stored[POOLING]
    assert Area.objects.get(pk=rows["uncited"]).pooling_citation_id is None  # no text, no citation
    Result = apps.get_model("testing", "TubeResult")
    assert set(Result.objects.values_list("decision_citation_id", flat=True)) == {stored[SHORT]}
    assert Citation.objects.count() == 6 and len(set(Citation.objects.values_list("digest", flat=True))) == 6
    assert all(c.digest == digest(c.text) for c in Citation.objects.all())
    # A citation added now does not take an id that moved (the id sequence went past them).
    assert Citation.objects.create(digest=digest("新"), text="新").pk > 9
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        assert "isolation_rulecitation" not in tables
        columns = {c.name for c in connection.introspection.get_table_description(cur, "testing_tuberesult")}
        assert "decided_by" not in columns and "decision_citation_id" in columns

    apps = migrate(BEFORE)  # backwards: the texts on the rows again, 快隔's citations in its own table
    Round = apps.get_model("testing", "TestingRound")
    assert set(Round.objects.filter(pk__in=rows["rounds"]).values_list("deadline_rule", flat=True)) == {DEADLINE}
    assert Round.objects.get(pk=rows["manual"]).deadline_rule == "手工设定"
    Area = apps.get_model("testing", "RoundArea")
    assert (Area.objects.get(pk=rows["area"]).pooling_rule, Area.objects.get(pk=rows["uncited"]).pooling_rule) == (POOLING, "")
    assert set(apps.get_model("testing", "TubeResult").objects.values_list("decided_by", flat=True)) == {SHORT}
    OldCitation = apps.get_model("isolation", "RuleCitation")
    assert OldCitation.objects.get(pk=7).text == TEST_DAY
    assert apps.get_model("isolation", "ScheduledTest").objects.get(pk=rows["test"]).citation.text == TEST_DAY
    migrate(AFTER)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_citations_already_in_the_new_table_are_matched_by_text_and_the_rows_repointed():
    """Should the platform's table hold rows before 快隔's move (ids 7 and 9 taken by other texts, one
    of 快隔's texts there already), the rows are repointed by text, each to its own citation."""
    apps = migrate(BEFORE)
    rows = _before(apps)
    ScheduledTest = apps.get_model("isolation", "ScheduledTest")
    other = ScheduledTest.objects.create(episode_id=2, phase="central", day_number=2, due_date=T0.date(), citation_id=rows["regimen"])

    apps = migrate(POLICY_ONLY)
    Citation = apps.get_model("policy", "RuleCitation")
    for pk, text in ((7, "甲"), (9, REGIMEN), (8, "乙")):  # 9 is 快隔's regimen under its own id; 7 is another text
        Citation.objects.create(pk=pk, digest=digest(text), text=text)

    apps = migrate(AFTER)
    Citation = apps.get_model("policy", "RuleCitation")
    ScheduledTest = apps.get_model("isolation", "ScheduledTest")
    assert ScheduledTest.objects.get(pk=rows["test"]).citation.text == TEST_DAY
    assert ScheduledTest.objects.get(pk=other.pk).citation.text == REGIMEN
    assert Citation.objects.get(pk=7).text == "甲" and Citation.objects.filter(text=TEST_DAY).count() == 1
