from django.db import migrations


def create_groups(apps, schema_editor):
    from clinic.groups import sync_groups

    sync_groups(apps)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Publishers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("articles", "0001_initial"),
        ("faq", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
