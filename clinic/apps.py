from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Every model in these apps is public content or feeds it (facts, contraindications,
# sources, tags and their links, the m2m link tables): a change retires cached pages.
CONTENT_APPS = ("articles", "faq", "taggit")
# Search synonyms change what a search finds. The search index tables are derived
# from content whose own signals already retire pages; visitors' zero-result
# counts show on no public page.
EXTRA_CONTENT_MODELS = ("search.Synonym",)


def content_models():
    for label in CONTENT_APPS:
        yield from apps.get_app_config(label).get_models(include_auto_created=True)
    for label in EXTRA_CONTENT_MODELS:
        yield apps.get_model(label)


def _content_changed(sender, **kwargs):
    from clinic import caching

    # m2m_changed fires before and after each change; the "post_" one is enough.
    if kwargs.get("action", "post_").startswith("post_"):
        caching.invalidate(kwargs.get("instance"))


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from clinic import throttle

        # Per sender, not for every model: a post_delete receiver on a model makes
        # Django fetch and signal each row of a QuerySet.delete() instead of one
        # fast DELETE, so the search index's bulk rebuild must not get one.
        for model in content_models():
            uid = f"pagecache-{model._meta.label_lower}"
            post_save.connect(_content_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(_content_changed, sender=model, dispatch_uid=uid)
            m2m_changed.connect(_content_changed, sender=model, dispatch_uid=uid)
        user_login_failed.connect(throttle.record_failure, dispatch_uid="throttle")
        user_logged_in.connect(throttle.record_success, dispatch_uid="throttle")
