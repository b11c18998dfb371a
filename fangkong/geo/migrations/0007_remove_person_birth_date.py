"""Decision 0005, step 3 of 3: no plaintext birth date (the masked ID number plus the date is the number)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0006_fill_person_birth_year"),
    ]

    operations = [
        migrations.RemoveField(model_name="person", name="birth_date"),
    ]
