"""Refusals of a batch (an upload, a bulk API request, an import): every row at fault, nothing written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import DomainError

MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class RowError:
    """One refusal, naming the row (1-based, as the user counts them; 0 = the whole request) and field."""

    row: int
    field: str
    message: str
    rule: str = ""  # the rule that refused the row, when one did (shown as its 依据, never raw)

    def __str__(self) -> str:
        where = _("第 %(n)s 行") % {"n": self.row} if self.row else _("请求")
        return f"{where} [{self.field}]: {self.message}"


class RowsRefused(DomainError):
    """A batch refused as a whole: nothing was written. `errors` lists every row at fault."""

    def __init__(self, errors: Sequence[RowError], *, rule: str = "") -> None:
        self.errors = list(errors)
        shown = "；".join(str(e) for e in self.errors[:MAX_ERRORS_SHOWN])
        more = _("……共 %(n)s 处错误") % {"n": len(self.errors)} if len(self.errors) > MAX_ERRORS_SHOWN else ""
        super().__init__(
            _("未写入任何数据，请修正后重新提交：%(errors)s%(more)s") % {"errors": shown, "more": more},
            rule=rule,
            field=self.errors[0].field if self.errors else "",
        )


def refuse_rows(errors: list[RowError], fallback: str) -> None:
    if errors:
        rules = {e.rule for e in errors if e.rule}
        raise RowsRefused(errors, rule=rules.pop() if len(rules) == 1 else fallback)
