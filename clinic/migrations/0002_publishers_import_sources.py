from django.db import migrations


def grant(apps, schema_editor):
    from clinic.groups import sync_groups

    sync_groups(apps, {"Publishers": ["articles.import_sources"]})


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Publishers").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="articles", codename="import_sources"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_staff_groups")]

    operations = [migrations.RunPython(grant, revoke)]
