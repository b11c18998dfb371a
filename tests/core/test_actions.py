"""core.actions: the one way a page answers a service's refusal (403 for permission, else on the form)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import PermissionDenied

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.forms import RefusalForm


class DayForm(RefusalForm, forms.Form):
    identified_at = forms.CharField(required=False)
    note = forms.CharField(required=False)


def bound() -> DayForm:
    form = DayForm({"identified_at": "x", "note": ""})
    assert form.is_valid()
    return form


def test_a_refusal_goes_on_the_field_it_names_through_the_views_mapping_and_the_block_is_left():
    form, after = bound(), []
    with refused_on(form, fields={"at": "identified_at"}):
        raise DomainError("不能晚于现在", rule="time.not_in_future", field="at")
        after.append("ran")  # pragma: no cover - never reached
    assert after == [] and form.errors == {"identified_at": ["不能晚于现在"]}
    assert form.refusal is not None and form.refusal.rule == "time.not_in_future"  # kept for its 依据


def test_a_refusal_naming_no_field_of_the_form_goes_above_it():
    form = bound()
    with refused_on(form):
        raise DomainError("房间已满", field="room")
    assert form.non_field_errors() == ["房间已满"]


def test_a_refusal_for_permission_or_scope_is_a_403_with_its_message():
    with pytest.raises(PermissionDenied, match="无权"), refused_on(bound()):
        raise PermissionRefused("您的角色无权登记", rule="isolation.manage")


def test_without_a_refusal_the_block_runs_to_its_end():
    form, ran = bound(), []
    with refused_on(form):
        ran.append(1)
    assert ran == [1] and form.is_valid()
