"""An index on taggit's links by tag and content type, covering the object id.

A tag page reads one tag's links to one model. taggit's own indexes are on the tag
alone (each link then read from the table to check its model) or start with the
content type (every link of the model scanned); with statistics SQLite picked the
second, 4 ms at 20,000 articles for a tag on one article. This one answers from
the index alone (docs/decisions/012-plans-by-link-count.md).
"""

from django.db import migrations

INDEX = "clinic_taggeditem_tag_model_object"


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0002_publishers_import_sources"),
        (
            "taggit",
            "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx",
        ),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON taggit_taggeditem "
            "(tag_id, content_type_id, object_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
