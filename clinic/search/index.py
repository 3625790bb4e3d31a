"""
Keeping the index in step with the content: one entry per published or scheduled page.

`update(obj)` is all the signal handlers call; `rebuild()` is what the management
command and the benchmarks call. Both go through `SearchEntry` with the ORM: the
database triggers from migration 0002 keep the full-text side in step.
"""

import hashlib
import heapq
import html
from collections import Counter
from itertools import islice

from django.db import connection, transaction
from django.db.models import F
from django.utils.html import strip_tags

from clinic.publishing import Status
from clinic.search.models import Kind, SearchEntry, SearchEntryTag, SearchTerm
from clinic.search.query import clean, tokens


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


def remove(kind, object_id):
    """Take a page out of the index; returns the words it had."""
    old = SearchEntry.objects.filter(kind=kind, object_id=object_id)
    fields = old.values("names", "title", "tags", "body").first()
    if fields is None:
        return set()
    old.delete()
    return words(fields)


@transaction.atomic
def update(obj):
    """Index `obj` if it is published (now or scheduled), else take it out. The
    vocabulary's page counts follow the words added and removed."""
    kind = kind_of(type(obj))
    if obj.pk is None or obj.status != Status.PUBLISHED or obj.published_at is None:
        _count(remove(kind, obj.pk), -1)
        return
    tags = list(obj.tags.order_by("name").values_list("slug", "name"))
    fields = document(obj, kind, tags)
    old_words = remove(kind, obj.pk)
    entry = SearchEntry.objects.create(**fields)
    SearchEntryTag.objects.bulk_create(
        [SearchEntryTag(entry=entry, slug=slug, name=name) for slug, name in tags]
    )
    new_words = words(fields)
    _count(old_words - new_words, -1)
    add_words(new_words - old_words)


def unindex(kind, object_id):
    """Take a deleted page out of the index and the vocabulary's counts."""
    _count(remove(kind, object_id), -1)


def _count(changed, step):
    if changed and step:
        terms = SearchTerm.objects.filter(term__in=sorted(changed)[:5000])
        if step < 0:
            terms = terms.filter(frequency__gt=0)
        terms.update(frequency=F("frequency") + step)


def add_words(new_words, counts=None):
    """Add words to the vocabulary (and, on SQLite, their trigrams)."""
    new_words = sorted(new_words)
    known = set()
    for start in range(0, len(new_words), 1000):
        chunk = new_words[start : start + 1000]
        known.update(
            SearchTerm.objects.filter(term__in=chunk).values_list("term", flat=True)
        )
    fresh = [w for w in new_words if w not in known]
    if known and not counts:
        _count(known, 1)
    counts = counts or {}
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=w, frequency=counts.get(w, 1)) for w in fresh],
        batch_size=5000,
        ignore_conflicts=True,
    )
    if fresh and connection.vendor == "sqlite":
        from clinic.search import sqlite

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
        entries = SearchEntry.objects.bulk_create(
            [SearchEntry(**fields) for fields, _ in batch]
        )
        SearchEntryTag.objects.bulk_create(
            [
                SearchEntryTag(entry=entry, slug=slug, name=name)
                for entry, (_, tags) in zip(entries, batch, strict=True)
                for slug, name in tags
            ]
        )
        for fields, _ in batch:
            frequency.update(words(fields))
    add_words(set(frequency), counts=frequency)
    return total
