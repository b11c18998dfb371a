"""Decision 0005, step 2 of 3: fill birth_year / birth_year_to from birth_date, and seal the date
of people whose document does not carry it (birth_cipher); step 3 drops birth_date.

Set-based where it can be: one UPDATE gives everyone their year; Python then visits only the rows the
quarter rule touches (people born in the year before their row was written, or later: babies) and
the documents other than a resident ID that have a date (encrypted with FANGKONG_DATA_KEY).

The rule is copied from fangkong.geo.birth.public_birth_years as it was when this migration was
written, so a later change of the code cannot change what this migration does.
"""

import datetime as dt

from django.db import migrations
from django.db.models import Min
from django.db.models.functions import ExtractYear
from django.utils import timezone

BATCH = 2000
UNCERTAIN_MONTHS = 3
RESIDENT_ID = "resident_id"


def public_birth_years(birth, recorded_on):
    if birth is None:
        return None, None
    if recorded_on.month <= UNCERTAIN_MONTHS and recorded_on.year - 1 <= birth.year <= recorded_on.year:
        return recorded_on.year - 1, recorded_on.year
    return birth.year, birth.year


def _local_day(value):
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.timezone.utc)
    return timezone.localtime(value).date()


def forwards(apps, schema_editor):
    from fangkong.core.crypto import Sealer

    Person = apps.get_model("geo", "Person")
    dated = Person.objects.filter(birth_date__isnull=False)
    dated.update(birth_year=ExtractYear("birth_date"), birth_year_to=ExtractYear("birth_date"))
    first_written = dated.aggregate(first=Min("created_at"))["first"]
    if first_written is None:
        return
    # Only someone born at most one year before the earliest row was written can fall under the rule.
    recent = dated.filter(birth_date__gte=dt.date(_local_day(first_written).year - 1, 1, 1))
    changed = []
    for person in recent.only("pk", "birth_date", "created_at").iterator(chunk_size=BATCH):
        first, last = public_birth_years(person.birth_date, _local_day(person.created_at))
        if first != person.birth_date.year:
            person.birth_year, person.birth_year_to = first, last
            changed.append(person)
    Person.objects.bulk_update(changed, ["birth_year", "birth_year_to"], batch_size=BATCH)
    sealer = Sealer()
    sealed = []
    for person in dated.exclude(id_type=RESIDENT_ID).only("pk", "birth_date").iterator(chunk_size=BATCH):
        person.birth_cipher = sealer.encrypt(person.birth_date.isoformat())
        sealed.append(person)
    Person.objects.bulk_update(sealed, ["birth_cipher"], batch_size=BATCH)


def backwards(apps, schema_editor):
    """birth_date again, from the sealed date (decrypting): the data key must be the one that sealed it."""
    from fangkong.core.crypto import decrypt

    Person = apps.get_model("geo", "Person")
    restored = []
    for person in Person.objects.filter(birth_year__isnull=False).only("pk", "id_type", "id_cipher", "birth_cipher").iterator(chunk_size=BATCH):
        if person.birth_cipher:
            person.birth_date = dt.date.fromisoformat(decrypt(person.birth_cipher))
        elif person.id_type == RESIDENT_ID:
            number = decrypt(person.id_cipher)
            person.birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        else:
            continue
        restored.append(person)
    Person.objects.bulk_update(restored, ["birth_date"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0005_person_birth_year_and_cipher"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
