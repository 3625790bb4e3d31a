"""
The two staff groups and what each may do. Editors create and edit content but cannot
publish; Publishers may also publish, unpublish and delete. Apps that add models
extend EDITOR_PERMISSIONS / PUBLISHER_PERMISSIONS in a data migration of their own
that calls `sync_groups`.
"""

CONTENT_MODELS = [
    ("articles", "treatment"),
    ("articles", "treatmentfact"),
    ("articles", "contraindication"),
    ("articles", "article"),
    ("articles", "source"),
    ("faq", "question"),
]

EDITOR_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, model in CONTENT_MODELS
    for action in ("add", "change", "view")
] + ["taggit.add_tag", "taggit.change_tag", "taggit.view_tag"]

PUBLISHER_PERMISSIONS = (
    EDITOR_PERMISSIONS
    + [f"{app}.delete_{model}" for app, model in CONTENT_MODELS]
    + [
        "articles.publish_treatment",
        "articles.publish_article",
        "faq.publish_question",
        "taggit.delete_tag",
    ]
)

GROUPS = {"Editors": EDITOR_PERMISSIONS, "Publishers": PUBLISHER_PERMISSIONS}


def sync_groups(apps, groups=GROUPS):
    """Create the groups (if missing) and add the listed permissions. Works inside a
    migration (historical models via `apps`) and outside it (pass django.apps)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so this
    # migration can grant them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in groups.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)
