"""Applications to volunteer: from the public phone page (one) or an .xlsx file (many). Both check
every row with the same rules (`check_application`): the ID number (fangkong.geo.idnumbers), the
phone, the community of residence, skills, availability and organisation; a file with any bad row
is refused whole, every bad row named with its field, nothing written.

A number already a volunteer's is answered the same on both paths (`already_volunteers`): as a new
application, changing nothing and audited without the number — no oracle: whoever types a number
must not learn who volunteers. Only a coordinator who may see that volunteer (a grant says where) is
told, in the file's refusal, that the number is already registered."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.crypto import Sealer, mask_id_number, mask_phone
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.xlsxguard import XlsxRefused, check_xlsx
from fangkong.geo.choices import IdType
from fangkong.geo.idnumbers import RESIDENT_LIKE_RE, InvalidDocument, check_id_input, normalise_phone
from fangkong.geo.lookup import id_key, id_keys
from fangkong.geo.models import Community

from ..choices import Availability, Skill
from ..events import VolunteersEvent
from ..models import Organisation, Volunteer
from ..permissions import VolunteersCap

MAX_ROWS = 5000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Application:
    name: str
    id_number: str
    phone: str
    community_id: int | None
    skills: tuple[str, ...] = ()
    availability: str = Availability.ANY
    organisation_id: int | None = None


@dataclass(frozen=True)
class Checked:
    name: str
    id_number: str
    id_type: str
    phone: str
    community: Community
    skills: tuple[str, ...]
    availability: str
    organisation: Organisation | None


def check_application(app: Application, *, row: int = 0) -> tuple[Checked | None, list[RowError]]:
    """The application, normalised, or every problem with it (each naming its field)."""
    errors: list[RowError] = []
    name = (app.name or "").strip()
    if not name:
        errors.append(RowError(row, "name", _("请填写姓名")))
    elif len(name) > 64 or _CONTROL.search(name):
        errors.append(RowError(row, "name", _("姓名不能超过 64 个字，且不能含控制字符")))
    number = ""
    try:
        number = check_id_input(app.id_number)
    except InvalidDocument as exc:
        errors.append(RowError(row, "id_number", exc.message))
    phone = ""
    try:
        phone = normalise_phone(app.phone or "")
    except InvalidDocument:
        errors.append(RowError(row, "phone", _("手机号无效（11 位手机号或带区号的固话）")))
    community = Community.objects.filter(pk=app.community_id).first() if app.community_id else None
    if community is None:
        errors.append(RowError(row, "community", _("请选择居住社区")))
    bad = [s for s in app.skills if s not in Skill.values]
    if bad:
        errors.append(RowError(row, "skills", _("技能无效：%(s)s") % {"s": "、".join(bad)}))
    if app.availability not in Availability.values:
        errors.append(RowError(row, "availability", _("可服务时间无效")))
    organisation = None
    if app.organisation_id:
        organisation = Organisation.objects.filter(pk=app.organisation_id).first()
        if organisation is None:
            errors.append(RowError(row, "organisation", _("所选组织不存在")))
    if errors or community is None:
        return None, errors
    id_type = IdType.RESIDENT_ID if RESIDENT_LIKE_RE.match(number) else IdType.PASSPORT
    skills = tuple(s for s in Skill.values if s in app.skills)
    return Checked(name, number, id_type, phone, community, skills, app.availability, organisation), []


def _volunteer(c: Checked, *, sealer: Sealer, source: str) -> Volunteer:
    return Volunteer(
        name=c.name,
        id_type=c.id_type,
        id_cipher=sealer.encrypt(c.id_number),
        id_hash=id_key(c.id_number, sealer=sealer),
        id_masked=mask_id_number(c.id_number),
        phone_cipher=sealer.encrypt(c.phone),
        phone_hash=sealer.lookup_hash("phone", c.phone),
        phone_masked=mask_phone(c.phone),
        district_id=c.community.district_id,
        street_id=c.community.street_id,
        community_id=c.community.pk,
        skills=",".join(c.skills),
        availability=c.availability,
        organisation=c.organisation,
        source=source,
    )


def volunteer_apply(app: Application) -> Volunteer | None:
    """An application from the public page (no account). Refuses a bad application (RowsRefused,
    row 0, every field at fault). A number already registered changes nothing and answers None —
    which the page does not show: it thanks the applicant either way."""
    checked, errors = check_application(app)
    if errors:
        raise RowsRefused(errors)
    assert checked is not None
    sealer = Sealer()
    volunteer = _volunteer(checked, sealer=sealer, source="web")
    try:
        with transaction.atomic():
            # The unique constraint sees one hash, the current key's; while a data-key rotation is under
            # way the number may be registered under a retired key's (fangkong.geo.lookup.id_keys).
            if any(already_volunteers({0: checked.id_number}, sealer=sealer)):
                raise IntegrityError("volunteer_unique_id_hash (under a retired data key)")
            volunteer.save()
            audit_record(actor=None, event_type=VolunteersEvent.APPLIED, obj=volunteer, after={"community": checked.community.pk})
    except IntegrityError:
        with transaction.atomic():
            audit_record(actor=None, event_type=VolunteersEvent.APPLIED_AGAIN, object_type="volunteers.volunteer")
        return None
    return volunteer


def already_volunteers(numbers: Mapping[int, str], *, sealer: Sealer, actor: Any = None) -> tuple[set[int], set[int]]:
    """Of these numbers (by row), those already a volunteer's — their hash under any key of the ring
    (a data-key rotation may be under way) — as (the rows whose volunteer `actor` may see, the
    others). Only the first may be named to the caller; the others are answered as a new application
    and change nothing (the public page has no actor: every one is of the others)."""
    any_key: dict[str, int] = {}
    for row, number in numbers.items():
        for h in id_keys(number, sealer=sealer):
            any_key.setdefault(h, row)
    taken = Volunteer.objects.filter(id_hash__in=list(any_key))
    found = set(taken.values_list("id_hash", flat=True))
    seen = set(taken.visible_to(actor).values_list("id_hash", flat=True)) if actor is not None and found else set()
    named = {any_key[h] for h in seen}
    return named, {any_key[h] for h in found} - named


# ---- bulk import from .xlsx ----

HEADERS = {
    "姓名": "name",
    "证件号码": "id_number",
    "身份证号": "id_number",
    "手机号": "phone",
    "区县": "district",
    "街道": "street",
    "社区": "community",
    "技能": "skills",
    "可服务时间": "availability",
    "组织": "organisation",
}
FIELD_LABELS = {"name": "姓名", "id_number": "证件号码", "phone": "手机号", "community": "社区"}


def read_xlsx(data: bytes) -> list[dict[str, str]]:
    """The rows of the first sheet, by the column names of HEADERS (the first row); blank rows skipped."""
    from openpyxl import load_workbook

    try:
        check_xlsx(io.BytesIO(data))  # an .xlsx that inflates beyond any real file: refused unopened
    except XlsxRefused as refused:
        raise DomainError(refused.message, field="file", rule=refused.rule) from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError(_("无法读取文件：请上传 .xlsx 格式的表格"), field="file") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [HEADERS.get(str(c or "").strip(), "") for c in next(rows, ())]
        missing = [label for key, label in FIELD_LABELS.items() if key not in header]
        if missing:
            raise DomainError(_("表头缺少：%(m)s") % {"m": "、".join(missing)}, field="file")
        out = []
        for values in rows:
            cells = {key: str(v).strip() for key, v in zip(header, values, strict=False) if key and v is not None}
            if any(cells.values()):
                out.append(cells)
                if len(out) > MAX_ROWS:
                    raise DomainError(_("一次最多导入 %(n)s 行") % {"n": MAX_ROWS}, field="file")
        return out
    finally:
        book.close()


def _by_label(choices: Any, text: str) -> tuple[list[str], list[str]]:
    """Labels or codes, separated by 、 , ， or spaces → (codes, unknown words)."""
    known = {str(label): value for value, label in choices.choices} | {value: value for value in choices.values}
    words = [w for w in re.split(r"[、,，;；\s]+", text or "") if w]
    return [known[w] for w in words if w in known], [w for w in words if w not in known]


def _community_of(cells: Mapping[str, str], communities: dict[tuple[str, str, str], int]) -> int | None:
    key = (cells.get("district", ""), cells.get("street", ""), cells.get("community", ""))
    if key in communities:
        return communities[key]
    found = [pk for (d, s, c), pk in communities.items() if c == key[2] and (not key[0] or d == key[0]) and (not key[1] or s == key[1])]
    return found[0] if len(found) == 1 else None


@transaction.atomic
def volunteers_import(*, actor: Any, rows: Sequence[Mapping[str, str]]) -> int:
    """Volunteers from a file's rows (row 1 = the first row under the header): all accepted, each
    one status "applied" for verification, or none (RowsRefused naming every row and field). A number
    already a volunteer's is refused on its row only if the actor may see that volunteer; otherwise
    the row is answered as the public page answers it (`already_volunteers`): accepted, nothing
    written, audited. Returns the number of rows accepted."""
    require(actor, VolunteersCap.MANAGE)
    communities = {
        (d, s, c): pk for pk, d, s, c in Community.objects.covered_by(actor).values_list("pk", "district__name", "street__name", "name")
    }
    organisations = {o.name: o.pk for o in Organisation.objects.visible_to(actor)}
    sealer = Sealer()
    errors: list[RowError] = []
    checked_rows: list[tuple[int, Checked]] = []
    for n, cells in enumerate(rows, start=1):
        skills, unknown_skills = _by_label(Skill, cells.get("skills", ""))
        availability, unknown_times = _by_label(Availability, cells.get("availability", "") or str(Availability.ANY.label))
        community_id = _community_of(cells, communities)
        org_name = cells.get("organisation", "")
        app = Application(
            name=cells.get("name", ""),
            id_number=cells.get("id_number", ""),
            phone=cells.get("phone", ""),
            community_id=community_id,
            skills=tuple(skills),
            availability=availability[0] if availability and not unknown_times else "",
            organisation_id=organisations.get(org_name),
        )
        checked, row_errors = check_application(app, row=n)
        errors += row_errors
        if community_id is None and cells.get("community"):
            errors = [e for e in errors if not (e.row == n and e.field == "community")]
            errors.append(RowError(n, "community", _("社区“%(c)s”不在您的管辖范围内或名称不唯一") % {"c": cells.get("community", "")}))
        if unknown_skills:
            errors.append(RowError(n, "skills", _("技能无效：%(s)s") % {"s": "、".join(unknown_skills)}))
        if org_name and org_name not in organisations:
            errors.append(RowError(n, "organisation", _("组织“%(o)s”不存在或不在您的管辖范围内") % {"o": org_name}))
        if checked is not None:
            checked_rows.append((n, checked))
    hashes: dict[str, int] = {}
    for n, c in checked_rows:
        h = id_key(c.id_number, sealer=sealer)
        if h in hashes:
            errors.append(RowError(n, "id_number", _("与第 %(m)s 行证件号码重复") % {"m": hashes[h]}))
        hashes.setdefault(h, n)
    named, unnamed = already_volunteers({n: c.id_number for n, c in checked_rows}, sealer=sealer, actor=actor)
    errors += [RowError(n, "id_number", _("该证件号码已登记为志愿者")) for n in sorted(named)]
    if errors:
        raise RowsRefused(sorted(errors, key=lambda e: (e.row, e.field)))
    created = Volunteer.objects.bulk_create(_volunteer(c, sealer=sealer, source="import") for n, c in checked_rows if n not in unnamed)
    audit_record(actor=actor, event_type=VolunteersEvent.IMPORTED, object_type="volunteers.volunteer", count=len(created))
    if unnamed:
        audit_record(actor=actor, event_type=VolunteersEvent.APPLIED_AGAIN, object_type="volunteers.volunteer", count=len(unnamed))
    return len(checked_rows)


def skills_label(codes: Iterable[str]) -> str:
    return "、".join(str(Skill(c).label) for c in codes if c in Skill.values)
