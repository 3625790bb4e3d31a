"""
Keeping the index in step with the content: one entry per published or scheduled page.

`update(obj)`, `unindex()` and `reindex()` are what the signal handlers call: at once,
or inside `batched()` collected and written in bulk; `update_many(objs)` indexes rows
that bulk_create made; `rebuild()` is what the management command and the benchmarks
call. All write `SearchEntry` rows, new ones in plain INSERTs (`clinic.bulk.insert`):
database triggers keep the full-text side in step.
"""

import functools
import hashlib
import heapq
import html
import threading
from collections import Counter
from contextlib import contextmanager
from itertools import islice

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.html import strip_tags

from clinic import bulk
from clinic.publishing import Status
from clinic.search.models import Kind, SearchEntry, SearchEntryTag, SearchTerm
from clinic.search.query import clean, tokens

# Pages per bulk statement: well under SQLite's limit on bound parameters.
CHUNK = 500


# Once per process: every save and tag change asks (dozens per imported document).
@functools.cache
def models():
    """{model: kind} for every kind of page search covers."""
    from articles.models import Article, Treatment
    from faq.models import Question

    return {Treatment: Kind.TREATMENT, Article: Kind.ARTICLE, Question: Kind.QUESTION}


def kind_of(model):
    return models().get(model)


def facet_key(kind=None, tag=None):
    """The token FTS filters on for a kind or a tag slug: letters only, so neither
    database's tokenizer splits or mangles it."""
    if kind:
        return "kind" + kind
    digest = hashlib.sha1(tag.encode()).hexdigest()[:16]
    return "tag" + digest.translate(str.maketrans("0123456789", "ghijklmnop"))


def _text(html_text):
    return clean(html.unescape(strip_tags(html_text or "")))


def document(obj, kind, tags):
    """The SearchEntry fields for a page, and its tags as (slug, name) pairs."""
    if kind == Kind.QUESTION:
        title, names, body = obj.question, "", _text(obj.answer_html)
    else:
        title, names = obj.title, ""
        parts = [obj.summary, _text(obj.body_html)]
        if kind == Kind.TREATMENT:
            lines = [obj.title, *obj.synonyms.splitlines()]
            names = "\n".join(clean(line).strip() for line in lines if line.strip())
            parts.append(_text(obj.aftercare_html))
        body = "\n\n".join(clean(p) for p in parts if p)
    return {
        "kind": kind,
        "object_id": obj.pk,
        "names": names,
        "title": clean(title)[:300],
        "title_key": " ".join(tokens(title))[:300],
        "tags": ", ".join(name for _, name in tags),
        "body": body,
        "facets": " ".join(
            [facet_key(kind=kind)] + [facet_key(tag=slug) for slug, _ in tags]
        ),
        "url": obj.get_absolute_url(),
        "published_at": obj.published_at,
    }


def words(fields):
    """The vocabulary words of one document."""
    text = " ".join([fields["names"], fields["title"], fields["tags"], fields["body"]])
    return {w for w in tokens(text) if len(w) >= 3 and not w.isdigit()}


class _Batch(threading.local):
    depth = 0
    # {(kind, object id): model}: pages to reindex from the database on flush.
    pending = None


_batch = _Batch()


@contextmanager
def batched():
    """Collect the index writes of every save, delete and tag change inside the
    block, and write them in bulk when the outermost block exits (still inside the
    caller's transaction). Each page is read again then, so it is indexed once in
    its final state however often it changed. On an exception, what the failing
    block collected is dropped, as its transaction savepoint would be."""
    if _batch.depth == 0:
        _batch.pending = {}
    saved = dict(_batch.pending)
    _batch.depth += 1
    try:
        yield
    except BaseException:
        _batch.pending = saved
        raise
    finally:
        _batch.depth -= 1
    if _batch.depth == 0:
        pending, _batch.pending = _batch.pending, None
        _flush(pending)


def _flush(pending):
    by_model = {}
    for (_, object_id), model in pending.items():
        by_model.setdefault(model, []).append(object_id)
    with transaction.atomic():
        for model, ids in by_model.items():
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                # Only published and scheduled pages are read: the others (an
                # import's drafts, deleted pages) are only taken out of the index.
                found = list(_published(model).filter(pk__in=chunk))
                update_many(found)
                rest = set(chunk) - {obj.pk for obj in found}
                _count(removed=_words(_replace(kind_of(model), sorted(rest), [])))


def reindex(model, object_id):
    """Reindex the page `model` #`object_id` as it is in the database now (a tag
    link changed): in a batch, only noted for the flush."""
    if _batch.depth:
        _batch.pending[(kind_of(model), object_id)] = model
        return
    page = model._default_manager.filter(pk=object_id).first()
    if page is not None:
        update(page)


def update(obj):
    """Index `obj` if it is published (now or scheduled), else take it out. The
    vocabulary's page counts follow the words added and removed."""
    if _batch.depth:
        _batch.pending[(kind_of(type(obj)), obj.pk)] = type(obj)
        return
    update_many([obj])


def unindex(kind, object_id):
    """Take a deleted page out of the index and the vocabulary's counts."""
    if _batch.depth:
        model = next(m for m, k in models().items() if k == kind)
        _batch.pending[(kind, object_id)] = model
        return
    _count(removed=_words(_replace(kind, [object_id], [])))


@transaction.atomic
def update_many(objs):
    """Index pages of one model in bulk, for rows bulk_create made (it sends no
    signals): the published and scheduled ones are (re)indexed, the others taken
    out. A few statements per CHUNK pages, whatever the number of pages."""
    objs = [obj for obj in objs if obj.pk is not None]
    if not objs:
        return
    model = type(objs[0])
    kind = kind_of(model)
    for start in range(0, len(objs), CHUNK):
        chunk = objs[start : start + CHUNK]
        tags = _tags(model, [obj.pk for obj in chunk])
        documents = [
            (document(obj, kind, tags.get(obj.pk, [])), tags.get(obj.pk, []))
            for obj in chunk
            if obj.status == Status.PUBLISHED and obj.published_at is not None
        ]
        old = _replace(kind, [obj.pk for obj in chunk], documents)
        new = {fields["object_id"]: words(fields) for fields, _ in documents}
        _count(_words(new) - _words(old), _words(old) - _words(new))


def _tags(model, ids):
    """{object id: [(slug, name)]} for pages of `model`, by tag name."""
    from taggit.models import TaggedItem

    tagged = TaggedItem.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        object_id__in=ids,
    ).values_list("object_id", "tag__slug", "tag__name")
    found = {}
    for object_id, slug, name in tagged.order_by("tag__name", "tag__slug"):
        found.setdefault(object_id, []).append((slug, name))
    return found


def _replace(kind, object_ids, documents):
    """Swap the entries of `object_ids` for `documents` [(fields, tags)]; returns
    {object id: words} of the entries taken out."""
    old = SearchEntry.objects.filter(kind=kind, object_id__in=object_ids)
    removed = {
        row.pop("object_id"): words(row)
        for row in old.values("object_id", "names", "title", "tags", "body")
    }
    if removed:
        old.delete()
    _create(documents)
    return removed


def _create(documents):
    # Plain INSERTs (the rows bulk_create would write): an import indexes
    # thousands of pages per batch.
    entries = bulk.insert([SearchEntry(**fields) for fields, _ in documents])
    bulk.insert(
        [
            SearchEntryTag(entry=entry, slug=slug, name=name)
            for entry, (_, tags) in zip(entries, documents, strict=True)
            for slug, name in tags
        ],
        returning=False,
    )


def _words(words_by_page):
    """How many of the pages use each word."""
    counts = Counter()
    for page_words in words_by_page.values():
        counts.update(page_words)
    return counts


def _count(added=None, removed=None):
    """Move the vocabulary's page counts: `added` and `removed` are Counters of
    words. Words new to the vocabulary are created (with their trigrams on SQLite);
    one UPDATE per distinct step."""
    steps = {}
    for word, n in (added or {}).items():
        steps.setdefault(n, []).append(word)
    for word, n in (removed or {}).items():
        steps.setdefault(-n, []).append(word)
    for step, changed in steps.items():
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            terms = SearchTerm.objects.filter(term__in=chunk)
            if step < 0:
                # Counts are approximate ("roughly how many pages"): never below 0.
                terms.update(frequency=Greatest(F("frequency") + step, Value(0)))
                continue
            known = set(terms.values_list("term", flat=True))
            terms.update(frequency=F("frequency") + step)
            _add_terms({w: step for w in chunk if w not in known})


def _add_terms(counts):
    """Create vocabulary words {word: page count} (and their SQLite trigrams)."""
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=w, frequency=n) for w, n in counts.items()],
        batch_size=5000,
        ignore_conflicts=True,
    )
    if counts and connection.vendor == "sqlite":
        from clinic.search import sqlite

        fresh = sorted(counts)
        for start in range(0, len(fresh), 500):
            chunk = fresh[start : start + 500]
            sqlite.add_term_grams(
                SearchTerm.objects.filter(term__in=chunk).values_list("pk", "term")
            )


def _published(model):
    # Published now or scheduled: the query-time filter decides when each goes live.
    return model.objects.filter(status=Status.PUBLISHED, published_at__isnull=False)


@transaction.atomic
def rebuild(batch_size=2000):
    """Rebuild the whole index from the content tables. Entries go in oldest first,
    so the newest pages get the highest ids. Returns the number of entries."""
    from taggit.models import TaggedItem

    SearchEntryTag.objects.all().delete()
    SearchEntry.objects.all().delete()
    SearchTerm.objects.all().delete()

    def stream(model, kind):
        tags_by_object = {}
        tagged = TaggedItem.objects.filter(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
        ).values_list("object_id", "tag__slug", "tag__name")
        for object_id, slug, name in tagged.order_by("tag__name"):
            tags_by_object.setdefault(object_id, []).append((slug, name))
        rows = _published(model).order_by("published_at", "pk")
        for obj in rows.iterator(chunk_size=batch_size):
            tags = tags_by_object.get(obj.pk, [])
            yield document(obj, kind, tags), tags

    # Merged oldest first without holding every page in memory.
    documents = heapq.merge(
        *(stream(model, kind) for model, kind in models().items()),
        key=lambda doc: (doc[0]["published_at"], doc[0]["kind"], doc[0]["object_id"]),
    )
    frequency = Counter()
    total = 0
    while batch := list(islice(documents, batch_size)):
        total += len(batch)
        _create(batch)
        for fields, _ in batch:
            frequency.update(words(fields))
    _add_terms(frequency)
    from clinic.search.api import backend

    backend().optimize()
    return total
