"""PostgreSQL: the match table's five GIN indexes become one, over every tsvector
column and each row's id bucket, so the newest matches are collected bucket by
bucket from the index (clinic/search/postgres.py, BUCKET_SCHEMA)."""

from django.db import migrations


def _run(schema_editor, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    from clinic.search import postgres

    for statement in postgres.BUCKET_SCHEMA if forwards else postgres.BUCKET_UNDO:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _run(schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_match_table_not_parallel")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
