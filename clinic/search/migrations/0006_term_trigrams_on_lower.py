"""PostgreSQL: the vocabulary's trigram index moves to lower(term), so the planner can
no longer pick it for equality lookups (clinic/search/postgres.py, TERM_TRGM)."""

from django.db import migrations


def _run(schema_editor, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    from clinic.search import postgres

    for statement in postgres.TERM_TRGM if forwards else postgres.TERM_TRGM_UNDO:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _run(schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_faster_search")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
