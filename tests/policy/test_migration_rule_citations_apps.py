"""Migrations cases 0004, zoning 0008, livelihood 0011, isolation 0008 and flags 0003 (decision 0010, the
helper fangkong.policy.migrating.texts_to_citations): 快转's, 严管's, 民生's, 快隔's last and the flags'
rule citations are the platform's (policy.RuleCitation). Rows made through the services at the latest
schema; backwards each row has its text again (cut to the old column's 300 characters where it had
that limit; a row with no citation has ''); forwards again each distinct text is one citation and
every row points at its own. SQLite (the per-text Python path) and PostgreSQL (the set-based SQL):
both held to the same rows, texts and digests — odd texts included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from fangkong.cases.choices import CarePhase
from fangkong.cases.models import CaseTest, HealthMonitoring, Transfer
from fangkong.core.clock import now
from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.isolation.choices import ArrivalMode
from fangkong.isolation.models import InboundArrival, ReleaseOrder
from fangkong.isolation.services.inbound import inbound_register
from fangkong.livelihood.choices import Need, RequestKind
from fangkong.livelihood.models import SupportRequest, VoucherProgramme
from fangkong.livelihood.services.ledger import entry_add
from fangkong.livelihood.services.requests import request_add
from fangkong.livelihood.services.vouchers import programme_add
from fangkong.policy.models import RuleCitation
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.models import RiskAreaTransition
from fangkong.zoning.services import area_declare

from ..cases.factories import open_case
from ..factories import make_person
from ..isolation.factories import make_site
from ..migrator import MigrationExecutor

BEFORE = [
    ("cases", "0003_one_result_vocabulary"),
    ("zoning", "0007_area_residents_truncate"),
    ("livelihood", "0010_ledger_page_index"),
    ("isolation", "0007_rule_citations_in_policy"),
    ("flags", "0002_flag_evidence_digest"),
]
AFTER = [
    ("cases", "0004_rule_citations"),
    ("zoning", "0008_rule_citations"),
    ("livelihood", "0011_rule_citations"),
    ("isolation", "0008_release_and_arrival_citations"),
    ("flags", "0003_rule_citations"),
]
# (app, model, old text field, citation field): every column the three migrations move.
MOVED = [
    ("cases", "Transfer", "deadline_rule", "deadline_citation"),
    ("cases", "Transfer", "triage_rule", "triage_citation"),
    ("cases", "HealthMonitoring", "rule", "citation"),
    ("cases", "CaseTest", "decided_by", "decision_citation"),
    ("zoning", "RiskAreaTransition", "basis", "citation"),
    ("livelihood", "SupportRequest", "deadline_basis", "deadline_citation"),
    ("livelihood", "VoucherProgramme", "basis", "citation"),
    ("isolation", "ReleaseOrder", "rule", "citation"),
    ("isolation", "InboundArrival", "second_quarantine_rule", "second_quarantine_citation"),
    ("flags", "Flag", "citation", "rule_citation"),
]
LONG = "transfer.deadline = same_day — " + "长" * 400  # longer than the old 300-character column
LIMITED = {("Transfer", "deadline_rule"), ("HealthMonitoring", "rule"), ("CaseTest", "decided_by"), ("SupportRequest", "deadline_basis")}
THRESHOLD = "testing.positive_ct_threshold = 35Ct — 第九版"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """The tests this worker runs next (and the flush after this one) need every table as it is now."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _rows(users, city) -> dict[tuple[str, str, str], dict[int, str]]:
    """Rows of each model (through the services where they write the citation): two cases whose
    transfers share the triage text, one with a deadline text longer than the old column, and the
    text each field reads now."""
    command = users["command"]
    people = [make_person(city.home.household, f"病例{i}") for i in range(2)]
    cases = [open_case(command, p) for p in people]
    Transfer.objects.filter(case=cases[1]).update(deadline_citation=RuleCitation.for_text(LONG))
    at = now() - dt.timedelta(hours=2)
    CaseTest.objects.create(case=cases[0], phase=CarePhase.TREATMENT, result="negative", sampled_at=at, decided_by=THRESHOLD)
    CaseTest.objects.create(case=cases[1], phase=CarePhase.TREATMENT, result="negative", sampled_at=at)  # no Ct, no citation
    places = {k: getattr(people[0], k) for k in ("district_id", "street_id", "community_id", "grid_id", "household_id")}
    HealthMonitoring.objects.create(
        case=cases[0], person=people[0], days=7, rule="discharge.home_monitoring_days = 7 — 第九版", starts_at=at, ends_at=now(), **places
    )
    area_declare(
        actor=command, name="迎宾小区1号楼", area_class=AreaClass.SEALED, places=[("building", city.home.building.pk)], reason="确诊"
    )
    entry = entry_add(
        actor=users["community"],
        person=make_person(city.home.household, "刘桂兰", tags=["elderly_alone"]),
        categories=["elderly_alone"],
        needs=[Need.FOOD],
        contact_name="刘女士之子",
        contact_phone="13800004444",
        can_order_by_phone=False,
    )
    for kind in (RequestKind.GOODS, RequestKind.MEDICINE, RequestKind.GOODS):
        request_add(actor=users["community"], entry=entry, kind=kind, items="米面油")
    programme_add(actor=users["district"], name="2022 年一次性消费券", place=city.home.district)
    site = make_site(command, city.home.community, name="白塔机场入境人员隔离点", receives_inbound=True)
    for n, regimen in enumerate(("close_contact.central_days = 5 — 第九版", "")):
        arrival = inbound_register(
            actor=command,
            person=make_person(None, f"归国旅客{n}"),
            mode=ArrivalMode.FLIGHT,
            number="CA910",
            origin="法兰克福",
            port_of_entry="呼和浩特白塔国际机场",
            arrived_at=now() - dt.timedelta(hours=3),
            entry_site=site,
            destination="新城区",
        )
        ReleaseOrder.objects.create(episode=arrival.episode, site=site, ordered_at=now(), tests=[], rule=regimen)
    too_wide = "risk.high_area_unit = building — 第九版\n不得层层加码"  # two flags of one rule share it
    for n, basis in enumerate((too_wide, too_wide, "")):
        Flag.objects.create(
            rule=FlagRuleCode.values[0],
            kind=FlagKind.OVER,
            subject=f"area:{n}",
            title="3号楼",
            raised_at=now(),
            seen_at=now(),
            citation=basis,
        )
    models = {
        "Transfer": Transfer,
        "HealthMonitoring": HealthMonitoring,
        "CaseTest": CaseTest,
        "RiskAreaTransition": RiskAreaTransition,
        "SupportRequest": SupportRequest,
        "VoucherProgramme": VoucherProgramme,
        "ReleaseOrder": ReleaseOrder,
        "InboundArrival": InboundArrival,
        "Flag": Flag,
    }
    return {(app, name, text): {row.pk: getattr(row, text) for row in models[name].objects.all()} for app, name, text, _c in MOVED}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_texts_go_back_to_their_rows_and_return_as_one_citation_each(users, city):
    texts = _rows(users, city)
    assert all(texts[key] for key in texts) and any("" in t.values() for t in texts.values())  # rows of each, one uncited
    assert LONG in texts[("cases", "Transfer", "deadline_rule")].values()
    cited = _citation_ids(None)

    for n in range(len(ODD_TEXTS) * 2):  # uncited now; each odd text on two of them once back at the texts
        Flag.objects.create(
            rule=FlagRuleCode.values[0], kind=FlagKind.OVER, subject=f"odd:{n}", title="3号楼", raised_at=now(), seen_at=now()
        )
    RuleCitation.for_text(ODD_TEXTS[1])  # one of them stored already: found again, not added

    apps = migrate(BEFORE)  # backwards: the texts on the rows again
    OldFlag = apps.get_model("flags", "Flag")
    for n in range(len(ODD_TEXTS) * 2):
        OldFlag.objects.filter(subject=f"odd:{n}").update(citation=ODD_TEXTS[n % len(ODD_TEXTS)])
    odd_rows = dict(OldFlag.objects.filter(subject__startswith="odd:").values_list("pk", "citation"))
    for app, name, text, _column in MOVED:
        rows = dict(apps.get_model(app, name).objects.exclude(pk__in=odd_rows if name == "Flag" else ()).values_list("pk", text))
        expected = {pk: t[:300] if (name, text) in LIMITED else t for pk, t in texts[(app, name, text)].items()}
        assert rows == expected, (name, text)
    with connection.cursor() as cur:
        columns = {c.name for c in connection.introspection.get_table_description(cur, "cases_transfer")}
        assert "deadline_rule" in columns and "deadline_citation_id" not in columns

    newest = RuleCitation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    apps = migrate(AFTER)  # forwards again: one citation per text, the same rows as before
    Citation = apps.get_model("policy", "RuleCitation")
    stored = list(Citation.objects.values_list("text", flat=True))
    assert len(stored) == len(set(stored))
    # Each path (SQLite: per text in Python; PostgreSQL: set-based SQL, SET_BASED_VENDORS) digests every
    # text exactly as RuleCitation.digest_of does — odd texts included — and adds only the texts not stored yet.
    assert all(d == RuleCitation.digest_of(t) for d, t in Citation.objects.values_list("digest", "text"))
    added = list(Citation.objects.filter(pk__gt=newest).order_by("pk").values_list("digest", "text"))
    assert set(ODD_TEXTS) - {ODD_TEXTS[1]} <= {t for _d, t in added} and ODD_TEXTS[1] not in {t for _d, t in added}
    odd = dict(apps.get_model("flags", "Flag").objects.filter(pk__in=odd_rows).values_list("pk", "rule_citation__text"))
    assert odd == odd_rows  # every odd text on its own rows, exactly
    for (app, name, text, column), rows in _citation_ids(apps).items():
        before = cited[(app, name, text, column)]
        for pk, citation_id in rows.items():
            if name == "Flag" and pk in odd_rows:
                continue
            was = texts[(app, name, text)][pk]
            if not was:
                assert citation_id is None, (name, text, pk)
            elif was == LONG:
                assert Citation.objects.get(pk=citation_id).text == LONG[:300]  # what the old column kept
            else:
                assert citation_id == before[pk], (name, text, pk)  # found again by its digest: the same row
    with connection.cursor() as cur:
        columns = {c.name for c in connection.introspection.get_table_description(cur, "livelihood_supportrequest")}
        assert "deadline_basis" not in columns and "deadline_citation_id" in columns


def _citation_ids(apps) -> dict[tuple[str, str, str, str], dict[int, int | None]]:
    """pk → citation id of every row, per moved column (the current models when `apps` is None)."""
    from django.apps import apps as current

    source = apps or current
    return {
        (app, name, text, column): dict(source.get_model(app, name).objects.values_list("pk", f"{column}_id"))
        for app, name, text, column in MOVED
    }


# Texts the set-based SQL must digest and compare exactly as Python does: non-ASCII (4-byte emoji, a
# composed and a decomposed é, a full-width space), trailing blanks, and longer than 300 characters.
ODD_TEXTS = (
    "risk.high_area_unit = building — 第九版 🦠" + "防" * 320,
    "café — 第九版",
    "cafe\u0301 — 第九版",
    "café — 第九版 ",
    "café\u3000— 第九版",
    "x" * 5000,
)
