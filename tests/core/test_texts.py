"""core.texts.clean_text and geo.idnumbers.phone_field: the one rule for a typed text and a typed phone
number, used by every service that takes them (livelihood, volunteers, the 4+N roster)."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.core.texts import clean_text
from fangkong.geo.idnumbers import phone_field


def test_text_is_trimmed():
    assert clean_text("  王五 ", field="name", label="姓名") == "王五"


def test_required_text_refused_when_empty_naming_the_field():
    with pytest.raises(DomainError) as exc:
        clean_text("   ", field="work_unit", label="派出单位")
    assert exc.value.field == "work_unit"
    assert "派出单位" in str(exc.value)


def test_optional_text_may_be_empty():
    assert clean_text(None, field="notes", label="备注", required=False) == ""


def test_text_longer_than_its_column_refused():
    assert clean_text("字" * 32, field="name", label="名称", max_length=32) == "字" * 32
    with pytest.raises(DomainError) as exc:
        clean_text("字" * 33, field="name", label="名称", max_length=32)
    assert exc.value.field == "name"
    assert "32" in str(exc.value)


def test_phone_normalised_to_digits():
    assert phone_field(" +86 138-0013-8000 ") == "13800138000"


def test_phone_required_or_optional():
    with pytest.raises(DomainError) as exc:
        phone_field("", field="contact_phone")
    assert exc.value.field == "contact_phone"
    assert phone_field("", required=False) == ""


def test_bad_phone_refused_naming_the_field():
    with pytest.raises(DomainError) as exc:
        phone_field("12345", field="phone")
    assert exc.value.field == "phone"
