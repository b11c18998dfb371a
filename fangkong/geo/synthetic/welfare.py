"""The 民政 facts of a synthetic resident (geo.PersonWelfare), derived from their tags: the family's
assistance status (低保 / 低保边缘 / 特困, most 特困 living dispersed), the 失能失智 level, a model
worker's level, and the place of household registration — the district they live in for most,
another city's code for about one in twelve (so the voucher's 户籍 rule has people to refuse).
Deterministic: the same ID number gives the same facts."""

from __future__ import annotations

import hashlib

from ..choices import DisabilityLevel, FamilyStatus, ModelWorkerLevel, VulnerableTag

T = VulnerableTag
RELEVANT = frozenset(
    {
        T.ELDERLY_ALONE, T.DIBAO, T.DIBAO_EDGE, T.TEKUN, T.DISABLED_MODERATE, T.DISABLED_SEVERE,
        T.JISHENG_TEFU, T.MODEL_WORKER, T.DISABLED_ON_DUTY, T.BRAVERY,
    }
)  # fmt: skip
ELSEWHERE = ("150202", "150602", "152502", "110105")  # 包头、鄂尔多斯、锡林浩特、北京朝阳


def welfare_facts(tags: tuple[str, ...] | frozenset[str], *, district_code: str, id_number: str) -> tuple[str, str, str, str] | None:
    """(hukou_code, family_status, disability_level, model_worker_level), or None when the person
    carries no tag the rules read."""
    found = set(tags)
    if not found & RELEVANT:
        return None
    h = int(hashlib.blake2b(id_number.encode(), digest_size=4).hexdigest(), 16)
    hukou = ELSEWHERE[h % len(ELSEWHERE)] if h % 12 == 0 else district_code
    if T.TEKUN in found:
        family = FamilyStatus.TEKUN_CENTRAL if (h >> 4) % 5 == 0 else FamilyStatus.TEKUN_DISPERSED
    elif T.DIBAO in found:
        family = FamilyStatus.DIBAO
    elif T.DIBAO_EDGE in found:
        family = FamilyStatus.DIBAO_EDGE
    else:
        family = FamilyStatus.NONE
    if T.DISABLED_SEVERE in found:
        disability = DisabilityLevel.SEVERE
    elif T.DISABLED_MODERATE in found:
        disability = DisabilityLevel.MODERATE
    else:
        disability = DisabilityLevel.NONE
    worker = (
        (ModelWorkerLevel.MUNICIPAL, ModelWorkerLevel.PROVINCIAL, ModelWorkerLevel.NATIONAL)[(h >> 8) % 3]
        if T.MODEL_WORKER in found
        else ""
    )
    return hukou, str(family), str(disability), str(worker)
