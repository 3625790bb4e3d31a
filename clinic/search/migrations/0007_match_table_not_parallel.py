"""PostgreSQL: no parallel workers for scans of the match table
(clinic/search/postgres.py, NOT_PARALLEL)."""

from django.db import migrations


def _run(schema_editor, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    from clinic.search import postgres

    for statement in postgres.NOT_PARALLEL if forwards else postgres.NOT_PARALLEL_UNDO:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _run(schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_term_trigrams_on_lower")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
