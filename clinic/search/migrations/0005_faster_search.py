"""Faster searches at 100,000 pages (docs/decisions/005-search.md): covering indexes
for ranking and counts; on SQLite one small FTS5 table per upper ranking tier, on
PostgreSQL a narrow match table apart from the wide display columns."""

from django.db import migrations, models


def _statements(schema_editor, forwards):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        from clinic.search import sqlite

        return sqlite.HEAD_SCHEMA if forwards else sqlite.HEAD_UNDO
    if vendor == "postgresql":
        from clinic.search import postgres

        return postgres.DOC_SCHEMA if forwards else postgres.DOC_UNDO
    return []


def forwards(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=True):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_staff_permissions")]

    operations = [
        migrations.RemoveIndex(
            model_name="searchentrytag", name="search_tag_entry_idx"
        ),
        migrations.AddIndex(
            model_name="searchentrytag",
            index=models.Index(
                fields=["entry", "slug", "name"], name="search_tag_entry_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["id", "published_at", "kind"], name="search_entry_live"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
