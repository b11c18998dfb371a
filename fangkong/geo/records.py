"""Turn raw person fields into the columns stored: validated, encrypted, hashed and masked.

Shared by the single-person service, the bulk importer and the synthetic city, so every path
applies the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import Sealer, mask_id_number, mask_phone

from .birth import public_birth_years, seal_birth_date
from .choices import IdType, Sex, VulnerableTag
from .idnumbers import EARLIEST_BIRTH, InvalidDocument, check_document, normalise_phone

TAG_BY_LABEL: dict[str, str] = {}
for _value, _label in VulnerableTag.choices:
    TAG_BY_LABEL[_value] = _value
    TAG_BY_LABEL[str(_label)] = _value


@dataclass
class FieldError(Exception):
    field: str
    message: str


@dataclass
class PersonRecord:
    name: str
    id_type: str
    id_cipher: str
    id_hash: str
    id_masked: str
    id_tail: str
    sex: str
    birth_year: int | None  # in clear: the year range of geo.birth.public_birth_years
    birth_year_to: int | None
    birth_cipher: str  # the exact date, sealed, for documents that do not carry it (empty for a resident ID)
    phone_cipher: str
    phone_hash: str
    phone_masked: str
    tags: tuple[str, ...]


def parse_date(value: str | dt.date | dt.datetime | None) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError("birth_date", _("出生日期格式应为 YYYY-MM-DD")) from exc


def parse_sex(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    mapping = {"男": Sex.MALE, "M": Sex.MALE, "MALE": Sex.MALE, "女": Sex.FEMALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE}
    if text not in mapping:
        raise FieldError("sex", _("性别 %(v)s 应为 男/女（M/F）") % {"v": value})
    return mapping[text]


def parse_tags(value: str | None) -> tuple[str, ...]:
    text = (value or "").strip()
    if not text:
        return ()
    tags = []
    for part in text.replace("，", ",").replace("；", ",").replace(";", ",").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part not in TAG_BY_LABEL:
            raise FieldError("tags", _("未知标签 %(t)s") % {"t": part})
        tags.append(TAG_BY_LABEL[part])
    return tuple(dict.fromkeys(tags))


def build_person_record(
    sealer: Sealer,
    *,
    name: str,
    id_type: str,
    id_number: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    tags: tuple[str, ...] = (),
    recorded_on: dt.date | None = None,
) -> PersonRecord:
    """Validate and seal; raise FieldError naming the field at fault.

    `recorded_on` is the (local) date the row is written, or the date the data is as of: the birth
    years kept in clear depend on it (geo.birth.public_birth_years). Default today; bulk paths pass it once."""
    if recorded_on is None:
        recorded_on = timezone.localdate()
    name = (name or "").strip()
    if not name:
        raise FieldError("name", _("姓名为空"))
    if len(name) > 64:
        raise FieldError("name", _("姓名超过 64 字"))
    id_type = id_type or IdType.RESIDENT_ID
    try:
        number, facts = check_document(id_type, id_number)
    except InvalidDocument as exc:
        raise FieldError("id_number", str(exc)) from exc
    if facts is not None:
        if sex and sex != facts.sex:
            raise FieldError("sex", _("性别与身份证号不符"))
        if birth_date and birth_date != facts.birth_date:
            raise FieldError("birth_date", _("出生日期与身份证号不符"))
        sex, birth_date = facts.sex, facts.birth_date
    elif birth_date and not EARLIEST_BIRTH <= birth_date <= recorded_on:
        raise FieldError("birth_date", _("出生日期不合理（早于 1890 年或晚于今天）"))
    phone_digits = ""
    if phone and str(phone).strip():
        try:
            phone_digits = normalise_phone(str(phone))
        except InvalidDocument as exc:
            raise FieldError("phone", str(exc)) from exc
    birth_year, birth_year_to = public_birth_years(birth_date, recorded_on)
    return PersonRecord(
        name=name,
        id_type=id_type,
        id_cipher=sealer.encrypt(number),
        id_hash=sealer.lookup_hash("id", number),
        id_masked=mask_id_number(number),
        id_tail=number[-4:],
        sex=sex or Sex.UNKNOWN,
        birth_year=birth_year,
        birth_year_to=birth_year_to,
        birth_cipher=seal_birth_date(sealer, id_type, birth_date),
        phone_cipher=sealer.encrypt(phone_digits) if phone_digits else "",
        phone_hash=sealer.lookup_hash("phone", phone_digits) if phone_digits else "",
        phone_masked=mask_phone(phone_digits) if phone_digits else "",
        tags=tags,
    )
