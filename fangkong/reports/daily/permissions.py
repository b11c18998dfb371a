"""What each role may do with the daily reports. Reading needs a grant alone (a report is figures and
a unit's own text, no personal details); filling in, submitting, compiling and reopening need
reports.daily and a grant at the report's own level (a community's report is the community's, its
street compiles and reopens it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES


class DailyCap:
    WRITE = "reports.daily"


CAPABILITIES = [
    Capability(DailyCap.WRITE, _("填报、汇总日报"), _("只有指挥部、区县、街道和社区可以填报和汇总日报"), OFFICES),
]
