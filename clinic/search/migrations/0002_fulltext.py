"""The full-text side of the index, per database: an FTS5 table and triggers on
SQLite; extensions, a text search configuration, tsvector columns filled by a trigger
and GIN indexes on PostgreSQL. The SQL lives in the back-end modules."""

from django.db import migrations


def _statements(schema_editor, attribute):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        from clinic.search import sqlite as dialect
    elif vendor == "postgresql":
        from clinic.search import postgres as dialect
    else:
        return []
    return getattr(dialect, attribute)


def forwards(apps, schema_editor):
    for statement in _statements(schema_editor, "SCHEMA"):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for statement in _statements(schema_editor, "UNDO"):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
