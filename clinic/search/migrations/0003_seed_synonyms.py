"""The clinic's first synonym list (issue 5); staff edit it in the admin."""

from django.db import migrations

SEED = [
    ["microdermabrasion", "microderm", "micro-dermabrasion", "micro dermabrasion"],
    [
        "microneedling",
        "micro needling",
        "micro-needling",
        "collagen induction therapy",
        "derma roller",
        "dermaroller",
    ],
    ["stretch marks", "striae"],
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for names in SEED:
        Synonym.objects.get_or_create(terms="\n".join(names))


def unseed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    Synonym.objects.filter(terms__in=["\n".join(names) for names in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(seed, unseed)]
