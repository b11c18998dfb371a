"""Who may receive a programme's one-off voucher (seed 003), decided by its rules (policy data copied
into the programme: voucher.rules, voucher.hukou_prefix, voucher.age_reference_date). Every decision
names the rule: the one that made the person eligible, or the 户籍 rule, or each rule's first unmet
condition. Ages are 周岁 on the programme's reference date.

`decide` is the one rule; `eligible_people` applies it set-based to a whole city: only people with a
民政 record of Hohhot 户籍 born early enough are read, and an exact (decrypted) age is computed only
where the birth year leaves a threshold in doubt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.geo.birth import SEALED_BIRTH_FIELDS, ages_at, person_age_at
from fangkong.geo.choices import DisabilityLevel, FamilyStatus, ModelWorkerLevel, VulnerableTag
from fangkong.geo.models import Person, PersonTag, PersonWelfare

HUKOU_RULE = "voucher.hukou_prefix"
RULES_KEY = "voucher.rules"
CHUNK = 20_000


@dataclass(frozen=True)
class Facts:
    age: int | None
    hukou_code: str = ""
    family_status: str = ""
    disability_level: str = ""
    model_worker_level: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    eligible: bool
    rule: str  # the rule's code (eligible), or HUKOU_RULE / RULES_KEY (not)
    reason: str


def _labels(choices: Any, values: Iterable[str]) -> str:
    return "、".join(str(choices(v).label) for v in values if v in choices.values)


def _unmet(r: dict[str, Any], facts: Facts) -> str:
    """The first condition of rule `r` the facts do not meet ("" when all are met)."""
    if facts.age is None:
        return _("出生日期不详")
    if facts.age < int(r["min_age"]):
        return _("年龄 %(age)s 周岁，未满 %(min)s 周岁") % {"age": facts.age, "min": r["min_age"]}
    if "family_status" in r and facts.family_status not in r["family_status"]:
        return _("家庭不属于%(s)s") % {"s": _labels(FamilyStatus, r["family_status"])}
    if "disability_level" in r and facts.disability_level not in r["disability_level"]:
        return _("不属于%(s)s") % {"s": _labels(DisabilityLevel, r["disability_level"])}
    any_of = r.get("any_of")
    if any_of:
        tags_ok = bool(facts.tags & set(any_of.get("tags", ())))
        worker_ok = facts.model_worker_level in any_of.get("model_worker_level", ())
        if not (tags_ok or worker_ok):
            names = [_labels(VulnerableTag, any_of.get("tags", ())), _labels(ModelWorkerLevel, any_of.get("model_worker_level", ()))]
            return _("不属于%(s)s") % {"s": "、".join(n for n in names if n)}
    return ""


def decide(facts: Facts, *, rules: list[dict[str, Any]], hukou_prefix: str) -> Decision:
    if not facts.hukou_code.startswith(hukou_prefix):
        return Decision(False, HUKOU_RULE, _("非发放地户籍（户籍地代码须以 %(p)s 开头）") % {"p": hukou_prefix})
    misses = []
    for r in rules:
        unmet = _unmet(r, facts)
        if not unmet:
            return Decision(True, r["code"], str(r.get("label", r["code"])))
        misses.append(f"{r['code']}：{unmet}")
    return Decision(False, RULES_KEY, _("不符合任一发放条件（%(m)s）") % {"m": "；".join(misses)})


def facts_of(person: Person, day: dt.date) -> Facts:
    """One person's facts (their exact age decrypted: for a single decision)."""
    welfare = PersonWelfare.objects.filter(person=person).first()
    tags = frozenset(PersonTag.objects.filter(person=person).values_list("tag", flat=True))
    return Facts(
        age=person_age_at(person, day),
        hukou_code=welfare.hukou_code if welfare else "",
        family_status=welfare.family_status if welfare else "",
        disability_level=welfare.disability_level if welfare else "",
        model_worker_level=welfare.model_worker_level if welfare else "",
        tags=tags,
    )


def decide_person(programme: Any, person: Person) -> Decision:
    return decide(facts_of(person, programme.age_reference_date), rules=programme.rules, hukou_prefix=programme.hukou_prefix)


def _thresholds(rules: list[dict[str, Any]]) -> set[int]:
    return {int(r["min_age"]) for r in rules}


def eligible_people(programme: Any, places: Q | None = None) -> Iterator[tuple[int, str, dict[str, int | None]]]:
    """(person id, rule code, places) of everyone eligible under the programme, optionally within
    `places` (a Q over the person's district_id / street_id / community_id), set-based."""
    day: dt.date = programme.age_reference_date
    rules: list[dict[str, Any]] = programme.rules
    thresholds = _thresholds(rules)
    youngest_year = day.year - min(thresholds)  # born after that year: younger than every threshold
    people = Person.objects.filter(welfare__hukou_code__startswith=programme.hukou_prefix, birth_year__lte=youngest_year)
    if places is not None:
        people = people.filter(places)
    rows = people.order_by("pk").values_list(
        "pk", "birth_year", "district_id", "street_id", "community_id", "grid_id",
        "welfare__hukou_code", "welfare__family_status", "welfare__disability_level", "welfare__model_worker_level",
    )  # fmt: skip
    chunk: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from _decide_chunk(chunk, day, rules, programme.hukou_prefix, thresholds)
            chunk = []
    if chunk:
        yield from _decide_chunk(chunk, day, rules, programme.hukou_prefix, thresholds)


def _decide_chunk(rows: list[tuple[Any, ...]], day: dt.date, rules: list[dict[str, Any]], prefix: str, thresholds: set[int]):
    ids = [r[0] for r in rows]
    tags: dict[int, set[str]] = {}
    for pid, tag in PersonTag.objects.filter(person_id__in=ids).values_list("person_id", "tag"):
        tags.setdefault(pid, set()).add(tag)
    # The year gives the age within one (year difference, or one less before the birthday): exact
    # only where that difference is a threshold.
    doubtful = [r[0] for r in rows if day.year - r[1] in thresholds]
    exact = ages_at(Person.objects.filter(pk__in=doubtful).values_list("pk", *SEALED_BIRTH_FIELDS), day) if doubtful else {}
    for pid, year, district, street, community, grid, hukou, family, disability, worker in rows:
        age = exact.get(pid) if pid in exact else day.year - year
        facts = Facts(age, hukou or "", family or "", disability or "", worker or "", frozenset(tags.get(pid, ())))
        decision = decide(facts, rules=rules, hukou_prefix=prefix)
        if decision.eligible:
            yield pid, decision.rule, {"district_id": district, "street_id": street, "community_id": community, "grid_id": grid}
