"""Synthetic residents: households of plausible families, ages from a census-like pyramid,
valid and unique ID numbers, phones, and vulnerable-category tags consistent with age and sex.

An "age" here is the age by birth year (as-of year − birth year), and every choice that depends on
age (tags, phone, birthplace) reads that. The birth year is what a person row keeps in clear; a
choice made on the exact age would tell, through a tag or a phone, on which side of the as-of
day a birthday falls, and with it narrow down the birth date the masked ID number hides (decision 0005).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from array import array
from dataclasses import dataclass

from ..choices import Sex, VulnerableTag
from ..idnumbers import make_resident_id
from .names import NameMaker

MAX_AGE = 95
# Share of the population by 5-year band, 0–4 … 90–95 (China, 7th census 2020, rounded).
PYRAMID = [5.5, 6.3, 6.1, 5.3, 5.3, 6.6, 8.8, 6.9, 6.8, 8.2, 8.6, 7.2, 5.2, 5.5, 3.7, 2.3, 1.5, 0.8, 0.3]

# Household sizes 1–6 (mean ≈ 2.7, as Hohhot's 2020 census: 2.4–2.8 by district).
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5, 6]
HOUSEHOLD_WEIGHTS = [0.18, 0.30, 0.28, 0.13, 0.07, 0.04]

# Where residents were born: most in their own district; some elsewhere in Hohhot, elsewhere in
# Inner Mongolia (包头, 乌海, 赤峰, 通辽, 鄂尔多斯, 呼伦贝尔, 巴彦淖尔, 乌兰察布, 兴安盟, 锡林郭勒) or in
# neighbouring provinces.
INNER_MONGOLIA_CODES = [
    "150202",
    "150203",
    "150204",
    "150205",
    "150207",
    "150221",
    "150302",
    "150402",
    "150404",
    "150421",
    "150502",
    "150521",
    "150602",
    "150621",
    "150702",
    "150802",
    "150821",
    "150902",
    "150921",
    "150922",
    "150925",
    "152201",
    "152501",
    "152502",
    "152522",
]
OTHER_PROVINCE_CODES = [
    "140202",
    "140212",
    "140602",
    "140621",
    "130702",
    "130722",
    "610802",
    "610822",
    "620102",
    "640104",
    "110105",
    "110108",
    "130102",
    "140105",
    "370102",
    "410102",
    "230102",
    "210102",
    "220102",
    "120101",
]


@dataclass(frozen=True, slots=True)
class Resident:
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    phone: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class TagRule:
    """Who may carry a tag: an age range (by birth year, at the city's as-of date), a sex, a household size."""

    min_age: int = 0
    max_age: int = MAX_AGE + 1
    sex: str | None = None
    household_size: int | None = None


TAG_RULES: dict[str, TagRule] = {
    VulnerableTag.ELDERLY_ALONE: TagRule(min_age=60, household_size=1),
    VulnerableTag.EMPTY_NEST: TagRule(min_age=60),
    VulnerableTag.LEFT_BEHIND: TagRule(min_age=60),
    VulnerableTag.DISABLED: TagRule(min_age=3),
    VulnerableTag.DISABLED_MODERATE: TagRule(min_age=60),
    VulnerableTag.DISABLED_SEVERE: TagRule(min_age=60),
    VulnerableTag.DIBAO: TagRule(),
    VulnerableTag.DIBAO_EDGE: TagRule(),
    VulnerableTag.TEKUN: TagRule(min_age=60, household_size=1),
    VulnerableTag.JISHENG_TEFU: TagRule(min_age=49),
    VulnerableTag.MODEL_WORKER: TagRule(min_age=40),
    VulnerableTag.DISABLED_ON_DUTY: TagRule(min_age=25),
    VulnerableTag.BRAVERY: TagRule(min_age=18),
    VulnerableTag.PREGNANT: TagRule(min_age=20, max_age=40, sex=Sex.FEMALE),
    VulnerableTag.CHRONIC: TagRule(min_age=35),
}

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def _band(band: int) -> tuple[int, int]:
    return band * 5, (band * 5 + 4 if band < len(PYRAMID) - 1 else MAX_AGE)


class IdAllocator:
    """Unique ID numbers: per (region, birth date, sex) a counter; the 3-digit sequence is odd for
    men and even for women, starting at a per-key offset so numbers look unremarkable."""

    PAIRS = 499  # sequence pairs 001/002 … 997/998 (+1 for men)

    def __init__(self, as_of: dt.date, district_codes: list[str]) -> None:
        self.as_of = as_of
        self.epoch = as_of - dt.timedelta(days=366 * (MAX_AGE + 2))
        self.days = (as_of - self.epoch).days + 1
        self.codes = list(dict.fromkeys([*district_codes, *INNER_MONGOLIA_CODES, *OTHER_PROVINCE_CODES]))
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.counts = array("H", bytes(2 * len(self.codes) * self.days * 2))

    def allocate(self, region: str, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        r = self.index[region]
        male = 1 if sex == Sex.MALE else 0
        while True:
            day = (birth - self.epoch).days
            key = (r * self.days + day) * 2 + male
            used = self.counts[key]
            if used < self.PAIRS:
                self.counts[key] = used + 1
                pair = 1 + ((key * 2654435761 >> 7) % self.PAIRS + used) % self.PAIRS
                return make_resident_id(region, birth, 2 * pair + male), birth
            birth -= dt.timedelta(days=1)  # this day is full for this region: the day before


class ResidentMaker:
    """Makes the members of one household at a time, from the shared seeded rng."""

    def __init__(self, rng: random.Random, names: NameMaker, ids: IdAllocator, as_of: dt.date) -> None:
        self.rng = rng
        self.names = names
        self.ids = ids
        self.as_of = as_of
        self._bands = list(range(len(PYRAMID)))
        self._age_weights: dict[tuple[int, int, float], list[float]] = {}

    # ---- ages ----
    def age(self, lo: int, hi: int, old_weight: float = 1.0) -> int:
        """An age in [lo, hi] drawn from the pyramid (bands of 60+ weighted by old_weight)."""
        key = (lo, hi, old_weight)
        cum = self._age_weights.get(key)
        if cum is None:
            weights = []
            for band, share in enumerate(PYRAMID):
                b_lo, b_hi = _band(band)
                overlap = min(b_hi, hi) - max(b_lo, lo) + 1
                weights.append(share * max(overlap, 0) / (b_hi - b_lo + 1) * (old_weight if b_lo >= 60 else 1.0))
            cum = self._age_weights[key] = list(itertools.accumulate(weights))
        b_lo, b_hi = _band(self.rng.choices(self._bands, cum_weights=cum)[0])
        return self.rng.randint(max(b_lo, lo), min(b_hi, hi))

    def birth(self, age: int) -> dt.date:
        """A birth date in the year `age` years before the as-of year, not after the as-of date."""
        first = dt.date(self.as_of.year - age, 1, 1)
        last = min(dt.date(self.as_of.year - age, 12, 31), self.as_of)
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    # ---- a household ----
    def household(self, size: int, *, district_code: str, rural: bool) -> list[Resident]:
        rng = self.rng
        members = self._composition(size)  # [(role, sex, age)]
        mongolian = rng.random() < 0.09
        family = self.names.surname()
        people: list[tuple[str, str, int]] = []
        for role, sex, age in members:
            birth_year = self.as_of.year - age
            if mongolian:
                name = self.names.mongolian(sex)
            elif role in ("head", "child", "grandfather") and sex == Sex.MALE or role == "child":
                name = self.names.han(family, sex, birth_year)
            else:
                name = self.names.han(self.names.surname(), sex, birth_year)
            people.append((name, sex, age))
        household_tag = None
        r = rng.random()
        if r < 0.025:
            household_tag = VulnerableTag.DIBAO
        elif r < 0.035:
            household_tag = VulnerableTag.DIBAO_EDGE
        all_old = all(a >= 60 for _, _, a in people)
        residents = []
        for name, sex, age in people:
            birth = self.birth(age)
            region = self._region(district_code, age)
            number, birth = self.ids.allocate(region, birth, sex)
            phone = self._phone(age)
            tags = self._tags(sex, age, size, all_old, rural, household_tag)
            residents.append(Resident(name, number, sex, birth, phone, tags))
        return residents

    def _composition(self, size: int) -> list[tuple[str, str, int]]:
        rng = self.rng
        head_sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        other = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
        if size == 1:
            return [("head", head_sex, self.age(20, MAX_AGE, old_weight=2.5))]
        if size == 2:
            if rng.random() < 0.75:
                head = self.age(22, MAX_AGE, old_weight=2.0)
                return [("head", head_sex, head), ("spouse", other, self._spouse_age(head))]
            parent = self.age(28, 60)
            return [("head", head_sex, parent), ("child", self._child_sex(), self._child_age(parent))]
        head = self.age(25, 58)
        spouse = self._spouse_age(head)
        mother = spouse if head_sex == Sex.MALE else head
        members = [("head", head_sex, head), ("spouse", other, spouse)]
        children = {3: 1, 4: 2, 5: 2, 6: 2}[size]
        grandparents = size - 2 - children
        if size == 4 and rng.random() < 0.4:
            children, grandparents = 1, 1
        if size == 5 and rng.random() < 0.5:
            children, grandparents = 1, 2
        for _ in range(children):
            members.append(("child", self._child_sex(), self._child_age(mother)))
        if grandparents:
            elder = min(MAX_AGE, head + rng.randint(22, 32))
            members.append(("grandfather", Sex.MALE, elder))
            if grandparents == 2:
                members.append(("grandmother", Sex.FEMALE, min(MAX_AGE, elder - rng.randint(0, 4))))
        return members

    def _spouse_age(self, head: int) -> int:
        return max(20, min(MAX_AGE, head + self.rng.randint(-4, 4)))

    def _child_age(self, mother: int) -> int:
        oldest = mother - 20
        if oldest <= 0:
            return 0
        return max(0, mother - self.rng.randint(21, max(21, min(40, mother))))

    def _child_sex(self) -> str:
        return Sex.MALE if self.rng.random() < 0.515 else Sex.FEMALE

    def _region(self, district_code: str, age: int) -> str:
        r = self.rng.random()
        local = 0.92 if age < 18 else 0.70
        if r < local:
            return district_code
        if r < local + (0.03 if age < 18 else 0.08):
            return self.rng.choice(self.ids.codes[:9])  # another Hohhot district
        if r < local + (0.06 if age < 18 else 0.20):
            return self.rng.choice(INNER_MONGOLIA_CODES)
        return self.rng.choice(OTHER_PROVINCE_CODES)

    def _phone(self, age: int) -> str:
        rng = self.rng
        chance = 0.0 if age < 12 else 0.5 if age < 16 else 0.96 if age < 75 else 0.6
        if rng.random() >= chance:
            return ""
        return self.mobile()

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"

    def _tags(self, sex: str, age: int, size: int, all_old: bool, rural: bool, household_tag: str | None) -> tuple[str, ...]:
        rng = self.rng
        T = VulnerableTag
        tags: list[str] = []
        if household_tag:
            tags.append(household_tag)
        if size == 1 and age >= 60 and rng.random() < (0.75 if age >= 70 else 0.25):
            tags.append(T.ELDERLY_ALONE)
            if rng.random() < 0.04:
                tags.append(T.TEKUN)
        if size == 2 and all_old and rng.random() < 0.5:
            tags.append(T.EMPTY_NEST)
            if rural and rng.random() < 0.4:
                tags.append(T.LEFT_BEHIND)
        if age >= 3 and rng.random() < (0.008 if age < 60 else 0.035):
            tags.append(T.DISABLED)
        if age >= 60:
            r = rng.random()
            moderate, severe = (0.03, 0.01) if age < 80 else (0.08, 0.04)
            if r < severe:
                tags.append(T.DISABLED_SEVERE)
            elif r < severe + moderate:
                tags.append(T.DISABLED_MODERATE)
        if age >= 49 and rng.random() < 0.004:
            tags.append(T.JISHENG_TEFU)
        if age >= 40 and rng.random() < 0.001:
            tags.append(T.MODEL_WORKER)
        if age >= 25 and rng.random() < 0.0005:
            tags.append(T.DISABLED_ON_DUTY)
        if age >= 18 and rng.random() < 0.0003:
            tags.append(T.BRAVERY)
        if sex == Sex.FEMALE and 20 <= age <= 40 and rng.random() < 0.04:
            tags.append(T.PREGNANT)
        if age >= 35 and rng.random() < (0.06 if age < 60 else 0.22):
            tags.append(T.CHRONIC)
        return tuple(str(t) for t in tags)
