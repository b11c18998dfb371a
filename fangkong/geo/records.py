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
from .choices import DisabilityLevel, FamilyStatus, IdType, ModelWorkerLevel, Sex, VulnerableTag
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


# ---- the 民政 facts (geo.PersonWelfare): the import's optional columns ----

WELFARE_KEYS = ("hukou_code", "family_status", "disability_level", "model_worker_level")


def _labels(choices: type, extra: dict[str, str]) -> dict[str, str]:
    out = {v: v for v in choices.values if v}
    out.update({str(label): v for v, label in choices.choices if v})
    out.update(extra)
    return out


FAMILY_BY_LABEL = _labels(
    FamilyStatus,
    {"低保": "dibao", "城乡低保": "dibao", "低保边缘": "dibao_edge", "特困分散供养": "tekun_dispersed", "分散供养": "tekun_dispersed",
     "特困集中供养": "tekun_central", "集中供养": "tekun_central"},
)  # fmt: skip
DISABILITY_BY_LABEL = _labels(DisabilityLevel, {"轻度": "mild", "中度": "moderate", "重度": "severe"})
MODEL_WORKER_BY_LABEL = _labels(ModelWorkerLevel, {"市级": "municipal", "省级": "provincial", "省部级": "provincial", "全国": "national"})


def _pick(value: str, table: dict[str, str], field: str, what: str) -> str:
    text = (value or "").strip()
    if not text or text in ("无", "否"):
        return ""
    if text not in table:
        raise FieldError(field, _("未知的%(what)s：%(v)s") % {"what": what, "v": text[:20]})
    return table[text]


def parse_welfare(hukou: str, family: str, disability: str, worker: str) -> tuple[str, str, str, str] | None:
    """The 民政 facts of one row (户籍地代码, 家庭救助状况, 失能失智程度, 劳动模范级别), or None when
    all are blank; FieldError names the column at fault."""
    code = (hukou or "").strip()
    if code and not (len(code) == 6 and code.isdigit()):
        raise FieldError("hukou_code", _("户籍地须为 6 位行政区划代码，如 150102"))
    facts = (
        code,
        _pick(family, FAMILY_BY_LABEL, "family_status", _("家庭救助状况")),
        _pick(disability, DISABILITY_BY_LABEL, "disability_level", _("失能失智程度")),
        _pick(worker, MODEL_WORKER_BY_LABEL, "model_worker_level", _("劳动模范级别")),
    )
    return facts if any(facts) else None


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
