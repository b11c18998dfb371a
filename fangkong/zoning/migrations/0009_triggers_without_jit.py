"""The trigger functions that keep this app's derived tables run without PostgreSQL's JIT compiler
(fangkong.core.triggers: the compilation cost more than the work on every call)."""

from django.db import migrations

from fangkong.core.triggers import without_jit


class Migration(migrations.Migration):
    dependencies = [("zoning", "0008_rule_citations")]

    operations = [without_jit("zoning_resident_")]
