"""Birth dates and ages: what a person row keeps in clear, what stays sealed, and the one way to an
exact age (decision 0005).

A resident ID number (居民身份证, GB 11643) carries the birth date in digits 7–14, and the masked
number every page shows (150102********7893) hides exactly those 8 digits: the mask next to the
birth date IS the number. So no page, API answer, export or plaintext column holds the date:

- in clear, a person row keeps a range of birth years, ``birth_year`` … ``birth_year_to`` — the year
  of birth for everyone except a baby recorded in the first quarter of its birth year or of the
  year after (see `public_birth_years`); pages and the API show that range ("1981 年生"), never a
  date and never an age that changes on the birthday;
- the exact date stays sealed: inside the encrypted ID number for a resident ID, in ``birth_cipher``
  for other documents (passports, the HK/Macao and Taiwan passes), which carry no date in the number;
- `person_birth_date` / `person_age_at` decrypt it for the rules that need an exact age (case
  triage). What they return is used in a rule, never shown: the exact date reaches a user only
  through the audited reveal (services.person_reveal).

With region + a birth year + the last 4 characters (check character included) about 365/11 ≈ 33
dates remain per person; the quarter rule keeps at least 7 for the babies (tests/security).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import Sealer, decrypt

from .choices import IdType

# A person recorded in the first UNCERTAIN_MONTHS months of a year and born in that year or the year
# before is kept as "born in (year − 1) … year". Their record's own date is known to anyone holding
# the row (created_at) and bounds the birth: kept as the one exact year, a baby recorded on 10 January
# would have only 10 possible birth dates, one or two of which fit the check character. With the
# rule, a row that says one exact year allows at least the 90 days from 1 January to 31 March.
UNCERTAIN_MONTHS = 3


def public_birth_years(birth: dt.date | None, recorded_on: dt.date) -> tuple[int | None, int | None]:
    """(birth_year, birth_year_to) for a row written on `recorded_on` (local date) — what may be
    stored in clear and shown. The same rule on every path (form, import, synthetic city, migration)."""
    if birth is None:
        return None, None
    if recorded_on.month <= UNCERTAIN_MONTHS and recorded_on.year - 1 <= birth.year <= recorded_on.year:
        return recorded_on.year - 1, recorded_on.year
    return birth.year, birth.year


def seal_birth_date(sealer: Sealer, id_type: str, birth: dt.date | None) -> str:
    """The birth_cipher column: empty for a resident ID (the number holds the date) or no date."""
    if birth is None or id_type == IdType.RESIDENT_ID:
        return ""
    return sealer.encrypt(birth.isoformat())


def birth_years_text(first: int | None, last: int | None) -> str:
    """ "1981", or "2024–2025" for the rare range; "" when unknown."""
    if first is None:
        return ""
    if last is None or last == first:
        return str(first)
    return f"{first}–{last}"


def birth_years_label(first: int | None, last: int | None) -> str:
    """ "1981 年生" / "born 1981" — what a page says about a person's age."""
    text = birth_years_text(first, last)
    return _("%(years)s 年生") % {"years": text} if text else ""


# ---- the exact date: sealed, for rules only ----


def birth_date_from(id_type: str, id_cipher: str, birth_cipher: str) -> dt.date | None:
    """Decrypt a person's exact birth date from their row's sealed columns (None when unknown)."""
    if birth_cipher:
        return dt.date.fromisoformat(decrypt(birth_cipher))
    if id_type == IdType.RESIDENT_ID and id_cipher:
        number = decrypt(id_cipher)
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return None


# The columns `birth_date_from` reads, for values_list(): birth_date_from(*row[...]).
SEALED_BIRTH_FIELDS = ("id_type", "id_cipher", "birth_cipher")


def person_birth_date(person: Any) -> dt.date | None:
    """A person's exact birth date. For rules; shown only through the audited reveal."""
    if person.birth_year is None:
        return None  # no date known: nothing to decrypt
    return birth_date_from(person.id_type, person.id_cipher, person.birth_cipher)


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    """Age in full years (周岁) on `day`."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def local_day(when: dt.datetime | dt.date) -> dt.date:
    return timezone.localtime(when).date() if isinstance(when, dt.datetime) else when


def age_at(birth: dt.date | None, when: dt.datetime | dt.date) -> int | None:
    """Age in full years at `when` (a time is read as its local, Asia/Shanghai, date)."""
    return age_on(birth, local_day(when))


def person_age_at(person: Any, when: dt.datetime | dt.date) -> int | None:
    """A person's exact age at `when`, decrypting their birth date: the one function every rule that
    needs an exact age calls (case triage, facility age limits). Never shown on a page."""
    return age_at(person_birth_date(person), when)


def ages_at(rows: Iterable[tuple[Any, str, str, str]], when: dt.datetime | dt.date) -> dict[Any, int | None]:
    """{key: exact age at `when`} for rows of (key, id_type, id_cipher, birth_cipher) — the bulk form
    of `person_age_at` (one decryption per row, a few microseconds each)."""
    day = local_day(when)
    return {key: age_on(birth_date_from(id_type, id_cipher, birth_cipher), day) for key, id_type, id_cipher, birth_cipher in rows}
