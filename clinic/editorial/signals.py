"""Every save of a treatment, article or FAQ question, and every change of its tags or
relations, schedules a revision and a fresh claims check for after the commit."""

import functools

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import TaggedItem

from clinic.editorial.revisions import schedule_revision


# Once per process: an import asks for every tag it links.
@functools.cache
def content_models():
    from articles.models import Article, Treatment
    from faq.models import Question

    return (Treatment, Article, Question)


def on_content_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule_revision(sender, instance.pk)


def on_tag_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model in content_models():
        schedule_revision(model, instance.object_id)


def on_relation_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        schedule_revision(type(instance), instance.pk)
    elif pk_set:
        for pk in pk_set:
            schedule_revision(model, pk)


def connect():
    for model in content_models():
        post_save.connect(on_content_saved, sender=model, dispatch_uid=f"rev-{model}")
        for field in model._meta.many_to_many:
            if field.name != "tags":
                m2m_changed.connect(
                    on_relation_changed,
                    sender=field.remote_field.through,
                    dispatch_uid=f"rev-m2m-{model}-{field.name}",
                )
    post_save.connect(on_tag_changed, sender=TaggedItem, dispatch_uid="rev-tag-save")
    post_delete.connect(on_tag_changed, sender=TaggedItem, dispatch_uid="rev-tag-del")
