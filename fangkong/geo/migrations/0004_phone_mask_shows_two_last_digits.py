"""The stored phone mask shows the carrier prefix and the last two digits (138******78), not four
(138****5678): a stored mask showing more than the pages do would undo the change. Recomputed from
the stored mask itself (its first three and last two characters), so no phone is decrypted."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Left, Length, Repeat, Right


def remask(apps, schema_editor):
    Person = apps.get_model("geo", "Person")
    people = Person.objects.annotate(n=Length("phone_masked")).filter(n__gte=7)
    people.update(phone_masked=Concat(Left("phone_masked", 3), Repeat(Value("*"), Length("phone_masked") - 5), Right("phone_masked", 2)))


class Migration(migrations.Migration):
    dependencies = [("geo", "0003_lean_person_indexes")]
    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
