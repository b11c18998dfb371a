"""流调 in the synthetic 快隔 story: the close contacts of a demo case (fangkong.cases.synthetic runs
first in the demo), and the second generation when one of them turns positive. Cases are read
through 快转's lookups (fangkong.cases.lookups), never its models."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fangkong.cases.lookups import cases_confirmed_between
from fangkong.geo.models import Person
from fangkong.policy.regimen import local_date

from ..choices import ExposureType
from ..models import IsolationEpisode, IsolationSite
from ..tracing.services import case_isolated_since, contact_add

if TYPE_CHECKING:
    from fangkong.cases.models import Case


class Traced:
    """The 流调 part of the story's generator (fangkong.isolation.synthetic.story)."""

    actor: Any
    used: set[int]
    now: dt.datetime
    today: dt.date

    # -------- 流调: contacts traced from the demo cases (fangkong.cases.synthetic)

    def contact(self, case: Case, person: Person, exposure: str, place: str, identified_at: dt.datetime) -> IsolationEpisode:
        """Record `person` as a close contact of `case` (which opens the episode, due the same day)."""
        since = case_isolated_since(case)
        last = min(case.confirmed_at, since.at if since else case.confirmed_at, identified_at) - dt.timedelta(hours=14)
        link = contact_add(
            actor=self.actor, case=case, person=person, exposure=exposure, place=place, last_exposure_at=last, identified_at=identified_at
        )
        return IsolationEpisode.objects.get(pk=link.contact.episode_id)

    def index_case(self) -> Case | None:
        """A demo case confirmed three to six days ago whose household has two members to trace."""
        latest = self.at(-3, 6, 0, margin=240)
        candidates = cases_confirmed_between(latest - dt.timedelta(days=3), latest).filter(person__household__isnull=False)
        for case in candidates:
            members = Person.objects.filter(household_id=case.person.household_id).exclude(pk__in=self.used).exclude(pk=case.person_id)
            if members.count() >= 2:
                return case
        return None

    def traced_contacts(self, case: Case, site: IsolationSite) -> None:
        """Eight close contacts of the index case: two of its household (one family room), six colleagues
        and friends checked in over the days after it was confirmed. The positive colleague comes next."""
        household = list(
            Person.objects.filter(household_id=case.person.household_id)
            .exclude(pk__in=self.used)
            .exclude(pk=case.person_id)
            .order_by("id")[:2]
        )
        self.used.update(p.pk for p in household)
        day = (local_date(case.confirmed_at) - self.today).days + 1  # traced the morning after the confirmation
        self.checked_in(household, site, day, traced=(case, ExposureType.HOUSEHOLD, "家中（同住）"))
        others = [
            (ExposureType.WORKPLACE, "某公司三楼办公室"),
            (ExposureType.WORKPLACE, "某公司三楼办公室"),
            (ExposureType.DINING, "某餐厅（同桌用餐）"),
            (ExposureType.SAME_VEHICLE, "公交 12 路"),
            (ExposureType.SOCIAL, "朋友家中聚会"),
            (ExposureType.SAME_SPACE, "某健身房"),
        ]
        for i, (exposure, place) in enumerate(others):
            self.checked_in(self.people(None, 1), site, min(day + i % 2, 0), traced=(case, exposure, place))

    def second_generation(self, case: Case, episode: IsolationEpisode, site: IsolationSite) -> None:
        """The contact who became a case has contacts of their own (exposed before their check-in): their
        household and a colleague, identified when the positive came in and checked in today."""
        identified_at = min(case.confirmed_at + dt.timedelta(hours=1), self.now - dt.timedelta(minutes=150))
        last = episode.checked_in_at - dt.timedelta(hours=16)
        people = list(
            Person.objects.filter(household_id=episode.person.household_id).exclude(pk__in=self.used).order_by("id")[:2]
        ) or self.people(None, 2, household=True)
        self.used.update(p.pk for p in people)
        for p in people:
            link = contact_add(
                actor=self.actor, case=case, person=p, exposure=ExposureType.HOUSEHOLD, place="家中（同住）",
                last_exposure_at=last, identified_at=identified_at,
            )  # fmt: skip
            e = IsolationEpisode.objects.get(pk=link.contact.episode_id)
            self.check_in(e, site, 0, len(people))
        colleague = self.people(None, 1)[0]
        link = contact_add(
            actor=self.actor, case=case, person=colleague, exposure=ExposureType.WORKPLACE, place="某公司三楼办公室",
            last_exposure_at=last, identified_at=identified_at,
        )  # fmt: skip
        self.check_in(IsolationEpisode.objects.get(pk=link.contact.episode_id), site, 0)
