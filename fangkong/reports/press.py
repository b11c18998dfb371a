"""The press brief (新闻发布会通报): the figures the press conference gives for one day, as the seeds
print them, in Chinese and in English, for the user's jurisdiction — read from the modules'
selectors, nothing stored:

- 快转 (`cases.selectors.day_figures`): new local confirmed cases and asymptomatic infections by
  district, found in isolation or controlled areas vs 社会面, conversions, discharged, under
  treatment, cumulative — each by the classification at the day's end;
- 快检 (`testing.selectors.press.press_report_at`): the latest round as known at the day's end —
  samples taken, with results, positives by district and where found;
- 快隔 (`isolation.selectors.figures`, at the day's end): contacts identified that day, people
  checked into central isolation and released that day, in central isolation at 24:00.

Every figure is computed as of the end of the day (0–24 h Beijing time), so a past day's brief is the
same whenever it is asked for (tests/reports/test_press.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fangkong.cases.selectors import DayFigures, day_figures
from fangkong.isolation.choices import EpisodeKind
from fangkong.isolation.selectors import Figures, figures
from fangkong.policy.regimen import local_midnight
from fangkong.testing.selectors import PressReport
from fangkong.testing.selectors.press import press_report_at


@dataclass(frozen=True)
class Contacts:
    identified: int
    close: int
    secondary: int
    checked_in: int
    released: int
    in_isolation: int  # in central isolation at 24:00

    @classmethod
    def of(cls, f: Figures) -> Contacts:
        return cls(
            identified=f.identified_total,
            close=f.identified.get(EpisodeKind.CLOSE_CONTACT, 0),
            secondary=f.identified.get(EpisodeKind.SECONDARY_CONTACT, 0),
            checked_in=f.checked_in,
            released=f.released,
            in_isolation=f.in_isolation_total,
        )

    @property
    def zh(self) -> str:
        text = f"当日新增隔离管控人员{self.identified}人（密切接触者{self.close}人、次密切接触者{self.secondary}人），"
        text += f"当日集中隔离{self.checked_in}人、解除隔离{self.released}人；截至24时，集中隔离{self.in_isolation}人。"
        return text

    @property
    def en(self) -> str:
        text = f"{self.identified:,} people were placed under isolation management ({self.close:,} close contacts, "
        text += f"{self.secondary:,} secondary contacts); {self.checked_in:,} checked into central isolation and "
        text += f"{self.released:,} released that day; {self.in_isolation:,} in central isolation at 24:00."
        return text


@dataclass(frozen=True)
class PressBrief:
    date: dt.date
    cases: DayFigures
    round: PressReport | None
    contacts: Contacts

    @property
    def zh(self) -> str:
        d = self.date
        parts = [self.cases.zh]
        parts.append(f"截至{d.month}月{d.day}日24时，" + self.round.zh if self.round else "尚无核酸检测轮次。")
        parts.append(self.contacts.zh)
        return "\n\n".join(parts)

    @property
    def en(self) -> str:
        parts = [self.cases.en]
        parts.append("At 24:00: " + self.round.en if self.round else "No testing round yet.")
        parts.append(self.contacts.en)
        return "\n\n".join(parts)


def press_brief(*, user: Any, date: dt.date) -> PressBrief:
    """The day's brief for what the user covers (the city for the command)."""
    end = local_midnight(date + dt.timedelta(days=1))
    return PressBrief(
        date=date,
        cases=day_figures(date=date, user=user),
        round=press_report_at(user=user, at=end),
        contacts=Contacts.of(figures(user=user, day=date, now=end)),
    )
