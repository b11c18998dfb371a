"""机动车号牌: a vehicle's plate as typed, read by one rule for every vehicle the platform records
(vehicle passes, a transfer batch's vehicles, a checkpoint's log, the volunteers' fleet)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

PLATE_RE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}$")


def normalise_plate(value: str) -> str:
    """蒙A·12345, 蒙a 12345, 蒙A-12345 → 蒙A12345."""
    return re.sub(r"[\s·•.\-]", "", (value or "").strip()).upper()


def check_plate(value: str, *, field: str = "plate") -> str:
    plate = normalise_plate(value)
    if not PLATE_RE.match(plate):
        raise DomainError(_("车牌号格式不对，例如 蒙A12345（新能源车 蒙AD12345）"), field=field, rule="geo.plate")
    return plate
