"""Staff edit the synonym list and read the zero-result searches."""

from django.db import migrations

EDITORS = [
    "search.add_synonym",
    "search.change_synonym",
    "search.view_synonym",
    "search.view_zeroresultquery",
]
PUBLISHERS = EDITORS + ["search.delete_synonym"]


def grant(apps, schema_editor):
    from clinic.groups import sync_groups

    sync_groups(apps, {"Editors": EDITORS, "Publishers": PUBLISHERS})


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_seed_synonyms"),
        ("clinic", "0002_publishers_import_sources"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
