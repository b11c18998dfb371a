"""HL7 FHIR R4 Bundle of Observations (SARS-CoV-2 RNA, LOINC 94500-6), validated with fhir.resources.

fhir.resources 8 ships FHIR R4B (4.3.0), which is wire-compatible with R4 (4.0.1) for Bundle and
Observation; the Bundle is validated against it before any field is read. Each Observation:
- code: a coding with system http://loinc.org and code 94500-6 (required)
- status: final, amended or corrected (amended/corrected results supersede earlier ones)
- specimen.identifier.value: the tube barcode (required)
- valueCodeableConcept: SNOMED CT 260373001 Detected → positive, 260415000 Not detected →
  negative, 455371000124106 Invalid result → invalid (or the words in its text / display)
- component: Ct values, code system urn:fangkong:ct-target, code ORF1ab or N, valueQuantity.value
- issued (or effectiveDateTime): the report time
Entries that are not Observations (a DiagnosticReport grouping them, a Patient) are ignored.
Row numbers in errors are the entry's position in the Bundle, counting from 1.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.rows import RowError, RowsRefused

from .rows import RESULT_WORDS, FieldProblem, ParsedRows, ResultRow, parse_ct, parse_datetime, read_barcode

LOINC = "http://loinc.org"
SARS_COV_2_RNA = "94500-6"
SNOMED = "http://snomed.info/sct"
SNOMED_RESULTS = {"260373001": "positive", "260415000": "negative", "455371000124106": "invalid"}
INTERPRETATION = {"POS": "positive", "DET": "positive", "NEG": "negative", "ND": "negative", "IND": "invalid"}
CT_SYSTEM = "urn:fangkong:ct-target"
CT_FIELDS = {"orf1ab": "ct_orf1ab", "n": "ct_n"}
ACCEPTED_STATUS = ("final", "amended", "corrected")


BUNDLE_RULE = "testing.fhir_bundle"


def _refuse(errors: list[RowError]) -> RowsRefused:
    return RowsRefused(errors, rule=BUNDLE_RULE)


def parse_bundle(data: bytes | str | dict) -> list[ResultRow]:
    return read_bundle(data).rows_or_refuse(rule=BUNDLE_RULE)


def read_bundle(data: bytes | str | dict) -> ParsedRows:
    """The Observations that parse, and the problem of every one that does not; a Bundle that is not
    valid FHIR is refused at once."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if isinstance(data, (bytes, str)):
        try:
            payload: Any = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _refuse([RowError(0, "bundle", f"不是有效的 JSON：{exc}")]) from exc
    else:
        payload = data
    if not isinstance(payload, dict) or payload.get("resourceType") != "Bundle":
        raise _refuse([RowError(0, "resourceType", "应为 FHIR Bundle（resourceType = Bundle）")])
    try:
        bundle = Bundle.model_validate(payload)
    except ValidationError as exc:
        errors = []
        for e in exc.errors()[:200]:
            loc = list(e.get("loc", ()))
            row = loc[1] + 1 if len(loc) > 1 and loc[0] == "entry" and isinstance(loc[1], int) else 0
            errors.append(RowError(row, ".".join(str(x) for x in loc), f"FHIR 校验失败：{e.get('msg')}"))
        raise _refuse(errors) from exc
    rows: list[ResultRow] = []
    errors: list[RowError] = []
    for n, entry in enumerate(bundle.entry or [], start=1):
        resource = entry.resource
        if resource is None or resource.get_resource_type() != "Observation":
            continue
        try:
            rows.append(_observation_row(n, resource))
        except FieldProblem as exc:
            errors.append(RowError(n, exc.field, exc.message, BUNDLE_RULE))
    if not rows and not errors:
        raise _refuse([RowError(0, "entry", "Bundle 中没有 Observation")])
    return ParsedRows(rows, errors)


def _codes(concept: Any) -> list[tuple[str, str]]:
    return [(c.system or "", c.code or "") for c in (getattr(concept, "coding", None) or [])]


def _observation_row(n: int, obs: Any) -> ResultRow:
    if (LOINC, SARS_COV_2_RNA) not in _codes(obs.code):
        raise FieldProblem("code", _("Observation.code 须为 LOINC %(code)s（SARS-CoV-2 RNA）") % {"code": SARS_COV_2_RNA})
    if obs.status not in ACCEPTED_STATUS:
        raise FieldProblem("status", _("Observation.status 为 %(v)s，只接受 %(ok)s") % {"v": obs.status, "ok": "/".join(ACCEPTED_STATUS)})
    barcode = ""
    if obs.specimen is not None and obs.specimen.identifier is not None:
        barcode = (obs.specimen.identifier.value or "").strip()
    if not barcode:
        raise FieldProblem("specimen.identifier.value", _("缺少试管条码（specimen.identifier.value）"))
    barcode = read_barcode(barcode, "specimen.identifier.value")
    result = ""
    if obs.valueCodeableConcept is not None:
        for system, code in _codes(obs.valueCodeableConcept):
            if system == SNOMED and code in SNOMED_RESULTS:
                result = SNOMED_RESULTS[code]
        if not result:
            words = [obs.valueCodeableConcept.text or ""] + [c.display or "" for c in (obs.valueCodeableConcept.coding or [])]
            for w in words:
                if w.strip().lower() in RESULT_WORDS:
                    result = RESULT_WORDS[w.strip().lower()]
                    break
        if not result:
            raise FieldProblem("valueCodeableConcept", _("无法识别的结果编码（应为 SNOMED CT 260373001/260415000/455371000124106）"))
    if not result:
        for concept in obs.interpretation or []:
            for _system, code in _codes(concept):
                if code in INTERPRETATION:
                    result = INTERPRETATION[code]
    cts: dict[str, float | None] = {"ct_orf1ab": None, "ct_n": None}
    for comp in obs.component or []:
        for system, code in _codes(comp.code):
            field = CT_FIELDS.get(code.lower()) if system == CT_SYSTEM else None
            if field:
                value = comp.valueQuantity.value if comp.valueQuantity is not None else None
                cts[field] = parse_ct(float(value) if value is not None else None, field)
    moment = obs.issued or obs.effectiveDateTime
    if moment is None:
        raise FieldProblem("issued", _("缺少报告时间（issued 或 effectiveDateTime）"))
    return ResultRow(
        row=n, barcode=barcode, result=result, ct_orf1ab=cts["ct_orf1ab"], ct_n=cts["ct_n"], reported_at=parse_datetime(moment, "issued")
    )
