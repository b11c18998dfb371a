"""Forms of the grid workers' pages: one household's visit (敲门行动) and a home re-sample (上门单采).

They only parse what was posted; the rules are the services'. A refusal from a service is put back
on the field it names (the member's barcode, whereabouts …) so the grid worker sees where to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.errors import DomainError

from .barcodes import MAX_LENGTH as MAX_BARCODE
from .barcodes import validate_barcode
from .choices import CheckOutcome, StickerStatus
from .models import SamplingPoint
from .selectors import HouseholdToKnock, MissingMember
from .services import MemberCheck, RowsRefused

MEMBER_FIELDS = ("outcome", "whereabouts", "barcode", "note")


@dataclass
class MemberRow:
    member: MissingMember
    outcome: forms.BoundField
    whereabouts: forms.BoundField
    barcode: forms.BoundField
    note: forms.BoundField


class HouseholdCheckForm(forms.Form):
    """Per missing resident an outcome (left empty: not recorded this time), the sticker, and the
    sampling point where a new tube opens when someone is sampled on the spot."""

    sticker = forms.ChoiceField(label=gettext_lazy("核酸检测贴"), choices=StickerStatus.choices, initial=StickerStatus.POSTED)
    sampling_point = forms.ModelChoiceField(
        label=gettext_lazy("采样点（当场采样使用新试管时）"), queryset=SamplingPoint.objects.none(), required=False
    )

    def __init__(self, *args: Any, household: HouseholdToKnock, points: QuerySet[SamplingPoint], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"h{household.household_id}")
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["sampling_point"].queryset = points
        for m in household.missing:
            pid = m.person_id
            self.fields[f"outcome_{pid}"] = forms.ChoiceField(
                label=gettext_lazy("核查结果"),
                choices=[("", gettext_lazy("— 未核查 —")), *CheckOutcome.choices],
                required=False,
                initial=m.outcome,
            )
            self.fields[f"whereabouts_{pid}"] = forms.CharField(
                label=gettext_lazy("去向（外出时填写）"), max_length=200, required=False, initial=m.whereabouts
            )
            self.fields[f"barcode_{pid}"] = forms.CharField(
                label=gettext_lazy("试管条码（当场采样时填写）"), max_length=MAX_BARCODE, required=False, validators=[validate_barcode]
            )
            self.fields[f"note_{pid}"] = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
        for f in self.fields.values():
            css = "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"
            f.widget.attrs.setdefault("class", css)

    def member_rows(self) -> Iterator[MemberRow]:
        for m in self.household.missing:
            yield MemberRow(m, *(self[f"{name}_{m.person_id}"] for name in MEMBER_FIELDS))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for m in self.household.missing:
            outcome = data.get(f"outcome_{m.person_id}")
            if outcome == CheckOutcome.AWAY and not (data.get(f"whereabouts_{m.person_id}") or "").strip():
                self.add_error(f"whereabouts_{m.person_id}", _("外出人员须注明去向"))
            if outcome == CheckOutcome.SAMPLED_ON_SPOT and not (data.get(f"barcode_{m.person_id}") or "").strip():
                self.add_error(f"barcode_{m.person_id}", _("当场采样须填写试管条码"))
        return data

    def member_checks(self) -> list[MemberCheck]:
        data = self.cleaned_data
        return [
            MemberCheck(
                person_id=m.person_id,
                outcome=data[f"outcome_{m.person_id}"],
                whereabouts=data.get(f"whereabouts_{m.person_id}", ""),
                note=data.get(f"note_{m.person_id}", ""),
                barcode=data.get(f"barcode_{m.person_id}", "") if data[f"outcome_{m.person_id}"] == CheckOutcome.SAMPLED_ON_SPOT else "",
            )
            for m in self.household.missing
            if data.get(f"outcome_{m.person_id}")
        ]

    def add_refusal(self, exc: DomainError, checks: list[MemberCheck]) -> None:
        """Put a service's refusal on the field it names. Binding refusals number the on-the-spot
        samples (1, 2 …) in the order they were posted."""
        if isinstance(exc, RowsRefused):
            on_spot = [c for c in checks if c.outcome == CheckOutcome.SAMPLED_ON_SPOT]
            for e in exc.errors:
                person = on_spot[e.row - 1].person_id if 0 < e.row <= len(on_spot) else None
                if e.field == "sampling_point":
                    self.add_error("sampling_point", e.message)
                elif person is not None:
                    self.add_error(f"barcode_{person}", e.message)
                else:
                    self.add_error(None, e.message)
            return
        name = exc.field if exc.field in self.fields else None
        if name is None and exc.field in MEMBER_FIELDS and len(checks) == 1:
            name = f"{exc.field}_{checks[0].person_id}"
        self.add_error(name, exc.message)


class ResampleCollectForm(forms.Form):
    barcode = forms.CharField(label=gettext_lazy("单采试管条码"), max_length=MAX_BARCODE, validators=[validate_barcode])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["barcode"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "class": "form-control form-control-sm"}
        )
