"""Decision 0005, step 1 of 3: the columns that replace geo_person.birth_date."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0004_phone_mask_shows_two_last_digits"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="出生年份"),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_year_to",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="出生年份（至）"),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_cipher",
            field=models.TextField(blank=True, db_default="", default="", verbose_name="出生日期（密文）"),
        ),
    ]
