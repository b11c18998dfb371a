"""Issue 13: where a person registered without a household lives (a sampler's on-the-spot registration)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0007_remove_person_birth_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="address",
            field=models.CharField(blank=True, db_default="", default="", max_length=200, verbose_name="现住址"),
        ),
    ]
