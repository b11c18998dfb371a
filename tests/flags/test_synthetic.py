"""The demo's flags step (`flags_demo`, the last module of `manage.py demo`) on a small city built by
the demo's own generators: flags of both kinds — under-performance (late transfers, isolations, tubes,
duty gaps: every under-performance rule) and over-enforcement (an area kept past its lifting date, the
one compound sealed whole where the policy's unit is the building) — each with its rule, its evidence
(every item naming its row) and the policy it cites; a second run keeps the wide area (one) and raises
nothing twice. (The demo has no one tested twice in a day: that rule is tested in test_rules.py.)"""

from __future__ import annotations

import pytest

from fangkong.cases.synthetic import cases_generate
from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.flags.rules import RULES_BY_CODE
from fangkong.flags.synthetic import WIDE_MARK, flags_demo, format_stats
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.synthetic import isolation_generate
from fangkong.testing.synthetic import round_generate
from fangkong.zoning.models import RiskArea
from fangkong.zoning.synthetic import zoning_generate

from ..clock import built_once_per_module

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]

SEED = 16


def _demo_city():
    city_generate(actor=None, people=2_000, seed=SEED)
    round_generate(seed=SEED)
    cases_generate(seed=SEED)
    isolation_generate(seed=SEED)
    zoning_generate(seed=SEED)


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo's modules, in the demo's order, on 2,000 people (as tests/reports/test_board.py), built
    once per module: each test's flags (flags_demo) are rolled back before the next."""
    yield from built_once_per_module(django_db_blocker, _demo_city)


def test_the_demo_has_flags_of_both_kinds_each_with_its_rule_and_evidence(demo_city):
    assert not Flag.objects.exists()
    stats = flags_demo()
    assert stats.wide_area.endswith(WIDE_MARK) and stats.raised == Flag.objects.count()
    flags = list(Flag.objects.open())
    kinds = {kind: {f.rule for f in flags if f.kind == kind} for kind in FlagKind.values}
    assert kinds[FlagKind.UNDER] and kinds[FlagKind.OVER], kinds
    assert FlagRuleCode.AREA_TOO_WIDE in kinds[FlagKind.OVER]  # the compound sealed whole
    assert {FlagRuleCode.AREA_KEPT_TOO_LONG} <= kinds[FlagKind.OVER]  # the demo's area past its lifting date
    late = {FlagRuleCode.TRANSFER_OVERDUE, FlagRuleCode.ISOLATION_OVERDUE, FlagRuleCode.TUBE_OVERDUE, FlagRuleCode.DUTY_GAP}
    assert kinds[FlagKind.UNDER] == late, kinds  # every step of the loop late somewhere, and a duty gap
    for flag in flags:
        assert flag.rule in FlagRuleCode.values and flag.kind == RULES_BY_CODE[flag.rule].kind, flag.rule
        assert flag.evidence and flag.item_count == len(flag.evidence), flag.rule  # each item that makes the case
        assert flag.evidence_digest and flag.citation.strip(), flag.rule  # sealed, and the policy it rests on
        assert flag.title and flag.place_name and flag.district_id, flag.rule
    wide = [f for f in flags if f.rule == FlagRuleCode.AREA_TOO_WIDE]
    assert any(stats.wide_area in item["text"] for f in wide for item in f.evidence)  # the demo's own compound among them
    assert all(item["ref"] and item["id"] and item["text"] for f in flags for item in f.evidence)  # each item names its row
    assert "履职不力" in format_stats(stats) and stats.wide_area in format_stats(stats)


def test_a_second_run_keeps_the_wide_area_and_raises_nothing_twice(demo_city):
    first = flags_demo()
    before = set(Flag.objects.open().values_list("rule", "subject"))
    second = flags_demo()
    assert second.wide_area == first.wide_area
    assert RiskArea.objects.filter(name__endswith=WIDE_MARK).count() == 1
    assert second.raised == 0 and set(Flag.objects.open().values_list("rule", "subject")) == before
