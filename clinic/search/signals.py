"""
Signal handlers that keep the index in step: saves, deletes, tag changes (taggit saves
tags after the page, so its through model's signals reindex the page again) and tag
renames. Registered in SearchConfig.ready().
"""

from django.db.models.signals import post_delete, post_save
from taggit.models import Tag, TaggedItem

from clinic.search import index


def page_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index.update(instance)


def page_deleted(sender, instance, **kwargs):
    index.unindex(index.kind_of(sender), instance.pk)


def tagged_item_changed(sender, instance, **kwargs):
    model = instance.content_type.model_class()
    if index.kind_of(model) is None:
        return
    index.reindex(model, instance.object_id)


def tag_saved(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    for item in TaggedItem.objects.filter(tag=instance).select_related("content_type"):
        tagged_item_changed(TaggedItem, item)


def connect():
    for model in index.models():
        uid = f"search-{model._meta.label_lower}"
        post_save.connect(page_saved, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(page_deleted, sender=model, dispatch_uid=uid + "-delete")
    post_save.connect(tagged_item_changed, sender=TaggedItem, dispatch_uid="search-ti")
    post_delete.connect(
        tagged_item_changed, sender=TaggedItem, dispatch_uid="search-ti-delete"
    )
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="search-tag")
