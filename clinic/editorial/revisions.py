"""
Revisions: what a page looked like after each save, who saved it, and what changed.

A save schedules a snapshot for when its transaction commits. By then the admin has
also saved tags and many-to-many fields (django-taggit saves tags after the object,
in `save_related`), so one admin save gives one revision that includes its tags. A
snapshot identical to the previous revision is not stored.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Subquery

from clinic import bulk

# Fields that change on every save or are derived: not part of a revision. `sources`
# is provenance the importer keeps (every document adds itself to the treatments it
# names), not wording staff write: a treatment's list grows with the corpus and would
# make each revision, and each snapshot, grow with it.
UNTRACKED = {"id", "created_at", "updated_at", "body_html", "aftercare_html",
             "answer_html", "import_fingerprint", "sources"}  # fmt: skip

RETRIES = 3

_actor = contextvars.ContextVar("revision_actor", default=(None, "other"))


@contextmanager
def revision_actor(user=None, origin="other"):
    """Attribute the revisions saved inside this block to `user` / `origin`
    ("admin", "import", "revert")."""
    token = _actor.set((user, origin))
    try:
        yield
    finally:
        _actor.reset(token)


@functools.cache
def tracked_fields(model):
    """The fields a revision keeps, each once (many-to-many fields are both
    concrete fields and in `many_to_many`); worked out once per model."""
    fields = [
        f
        for f in model._meta.get_fields()
        if f.concrete and not f.auto_created and f.name not in UNTRACKED
    ] + [f for f in model._meta.many_to_many if f.name not in UNTRACKED]
    return tuple(dict.fromkeys(fields))


def snapshot(obj, tags=None, relations=None):
    """A JSON-ready dict of the page's tracked fields, tags and relations. `tags`,
    {pk: [name, ...]}, and `relations`, {field name: {pk: [related pk, ...]}},
    save queries when many pages are snapshotted (`tag_names`, `related_pks`)."""
    data = {}
    for field in tracked_fields(type(obj)):
        if field.name == "tags":
            if tags is not None:
                data["tags"] = sorted(tags.get(obj.pk, ()))
            else:
                data["tags"] = sorted(tag.name for tag in obj.tags.all())
        elif field.many_to_many:
            if relations is not None and field.name in relations:
                data[field.name] = sorted(relations[field.name].get(obj.pk, ()))
            else:
                # .all() rather than values_list(): it uses prefetched rows.
                data[field.name] = sorted(o.pk for o in getattr(obj, field.name).all())
        elif field.is_relation:
            data[field.name] = getattr(obj, field.attname)
        else:
            data[field.name] = field.value_from_object(obj)
    return _as_stored(data)


_encoder = DjangoJSONEncoder()


def _as_stored(value):
    """`value` as it reads back from a JSONField (dates as DjangoJSONEncoder's
    strings, tuples as lists, keys as strings), so a snapshot compares equal to
    the stored revision: what a round trip through JSON gives, without the
    text of the page being encoded and parsed twice."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): _as_stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_stored(v) for v in value]
    return _encoder.default(value)


def changed_fields(old, new):
    """Names of the fields whose values differ between two snapshots."""
    old = old or {}
    return sorted(k for k in new.keys() | old.keys() if old.get(k) != new.get(k))


class _Batch:
    """The pages saved in one transaction, recorded once each when it commits."""

    def __init__(self):
        self.keys = {}

    def flush(self):
        from clinic.editorial.checks import active_rules, refresh_checks

        keys, self.keys = self.keys, {}
        rules = active_rules()
        by_model = {}
        for (model, pk), actor in keys.items():
            by_model.setdefault(model, {})[pk] = actor
        for model, actors in by_model.items():
            # Another process may record the same page at the same moment: the
            # unique revision number makes one of them retry with the next number.
            for attempt in range(1, RETRIES + 1):
                try:
                    with transaction.atomic():
                        objs = list(model._default_manager.filter(pk__in=actors))
                        # Tags and relations in one plain query each: prefetching
                        # costs a query per page (taggit) or loads related rows.
                        revised = {
                            rev.object_id
                            for rev in record_revisions(
                                objs, actors, tag_names(objs), related_pks(objs)
                            )
                        }
                        # An import that left a page as it was needs no new check;
                        # a staff save always rechecks (the rules may have changed).
                        checked = [
                            obj
                            for obj in objs
                            if obj.pk in revised or actors[obj.pk][1] != "import"
                        ]
                        refresh_checks(model, checked, rules)
                    break
                except IntegrityError:
                    if attempt == RETRIES:
                        raise


def schedule_revision(model, pk):
    """Record a revision of `model` #pk, and refresh its claims check, once the
    current transaction commits (at once in autocommit). All the saves, tag and
    relation changes of one transaction give one revision per page: the admin saves
    tags after the object, and an import saves a page several times."""
    conn = transaction.get_connection()
    actor = _actor.get()
    if not conn.in_atomic_block:
        batch = _Batch()
        batch.keys[(model, pk)] = actor
        batch.flush()
        return
    batch = getattr(conn, "_clinic_revision_batch", None)
    # A rolled-back transaction drops its hooks: then start a new batch.
    if batch is not None and any(e[1] == batch.flush for e in conn.run_on_commit):
        batch.keys.setdefault((model, pk), actor)
        return
    batch = _Batch()
    batch.keys[(model, pk)] = actor
    conn._clinic_revision_batch = batch
    # Robust: the save has committed; a failure to record its history is logged,
    # never turned into an error page for the person who saved.
    transaction.on_commit(batch.flush, robust=True)


def tag_names(objs):
    """{pk: [tag name, ...]} for pages of one model, in one query."""
    from taggit.models import TaggedItem

    if not objs:
        return {}
    names = {obj.pk: [] for obj in objs}
    for object_id, name in TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(type(objs[0])),
        object_id__in=list(names),
    ).values_list("object_id", "tag__name"):
        names[object_id].append(name)
    return names


def related_pks(objs):
    """{field name: {pk: [related pk, ...]}} for the tracked many-to-many fields
    other than tags of pages of one model, in one query per field on its link
    table."""
    if not objs:
        return {}
    pks = [obj.pk for obj in objs]
    relations = {}
    for field in tracked_fields(type(objs[0])):
        if not field.many_to_many or field.name == "tags":
            continue
        through = field.remote_field.through
        own, other = (
            through._meta.get_field(side).attname
            for side in (field.m2m_field_name(), field.m2m_reverse_field_name())
        )
        found = relations[field.name] = {}
        for pk, related in through._default_manager.filter(
            **{f"{own}__in": pks}
        ).values_list(own, other):
            found.setdefault(pk, []).append(related)
    return relations


def record_revisions(objs, actors, tags=None, relations=None):
    """Store a revision of each page in `objs` (all of one model) that changed
    since its last revision, in a fixed number of queries. `actors` maps each
    pk to its (user, origin); `tags` is `tag_names(objs)` and `relations` is
    `related_pks(objs)` when known."""
    from clinic.editorial.models import Revision

    if not objs:
        return []
    content_type = ContentType.objects.get_for_model(type(objs[0]))
    newest = (
        Revision.objects.filter(
            content_type=content_type, object_id=OuterRef("object_id")
        )
        .order_by("-number")
        .values("number")[:1]
    )
    lasts = {
        rev.object_id: rev
        for rev in Revision.objects.filter(
            content_type=content_type,
            object_id__in=[obj.pk for obj in objs],
            number=Subquery(newest),
        )
    }
    new = []
    for obj in objs:
        data, last = snapshot(obj, tags, relations), lasts.get(obj.pk)
        if last is not None and last.data == data:
            continue
        user, origin = actors[obj.pk]
        new.append(
            Revision(
                content_type=content_type,
                object_id=obj.pk,
                number=(last.number if last else 0) + 1,
                user=user if getattr(user, "is_authenticated", False) else None,
                origin=origin,
                object_repr=str(obj)[:300],
                data=data,
                changed_fields=changed_fields(last.data if last else None, data),
            )
        )
    return bulk.insert(new)


def record_revision(obj, user=None, origin="other", reverted_from=None):
    """Store a revision of `obj` unless nothing changed since the last one."""
    from clinic.editorial.models import Revision

    data = snapshot(obj)
    with transaction.atomic():
        last = Revision.objects.for_object(obj).order_by("-number").first()
        if last is not None and last.data == data and reverted_from is None:
            return None
        number = (last.number if last else 0) + 1
        return Revision.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            number=number,
            user=user if getattr(user, "is_authenticated", False) else None,
            origin=origin,
            object_repr=str(obj)[:300],
            data=data,
            changed_fields=changed_fields(last.data if last else None, data),
            reverted_from=reverted_from,
        )


def restore(obj, data):
    """Set `obj`'s tracked fields back to the values in a snapshot and save it.
    Relations to rows deleted since are dropped."""
    model = type(obj)
    m2m = {}
    for field in tracked_fields(model):
        if field.name not in data:
            continue
        value = data[field.name]
        if field.name == "tags":
            m2m["tags"] = value
        elif field.many_to_many:
            m2m[field.name] = list(
                field.related_model._default_manager.filter(pk__in=value).values_list(
                    "pk", flat=True
                )
            )
        elif field.is_relation:
            exists = (
                value is None
                or field.related_model._default_manager.filter(pk=value).exists()
            )
            setattr(obj, field.attname, value if exists else None)
        elif isinstance(field, models.JSONField):
            setattr(obj, field.attname, value)
        else:
            setattr(obj, field.attname, field.to_python(value))
    obj.save()
    for name, value in m2m.items():
        getattr(obj, name).set(value)


def revert(obj, revision, user=None):
    """Put `obj` back as it was in `revision`. The revert is a revision itself."""
    with transaction.atomic(), revision_actor(user, "revert"):
        restore(obj, revision.data)
    obj.refresh_from_db()
    # The commit hook recorded the restored state; mark which revision it came from.
    from clinic.editorial.models import Revision

    latest = Revision.objects.for_object(obj).order_by("-number").first()
    if (
        latest is not None
        and latest.origin == "revert"
        and latest.data == snapshot(obj)
    ):
        latest.reverted_from = revision.number
        latest.save(update_fields=["reverted_from"])
        return latest
    # Nothing differed from the latest revision: still record the revert.
    return record_revision(
        obj, user=user, origin="revert", reverted_from=revision.number
    )
