"""clinic.bulk.insert(): the rows bulk_create() would write, in plain INSERTs."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.models import Article, Source
from clinic import bulk
from clinic.editorial.models import Revision
from clinic.publishing import Status
from faq.models import Question

pytestmark = pytest.mark.django_db

# Set by the database on insert (auto_now), so never equal between two inserts.
NOW_FIELDS = {"id", "created_at", "updated_at"}


def stored(model, objs):
    """The rows of `objs` as the database holds them, without their keys."""
    fields = [f.attname for f in model._meta.concrete_fields]
    rows = model._default_manager.filter(pk__in=[o.pk for o in objs]).order_by("pk")
    return [
        {k: v for k, v in row.items() if k not in NOW_FIELDS}
        for row in rows.values(*fields)
    ]


WHEN = timezone.now()


def pages(prefix, when=WHEN):
    return [
        Article(
            title=f"{prefix} {n}", slug=f"{prefix}-{n}", body=f"Body {n} – ünïcode",
            status=Status.PUBLISHED if n % 2 else Status.DRAFT,
            published_at=when if n % 2 else None, imported_at=when,
            import_notes={"dropped": [f"section {n}"], "facts": {"peel": "ab"}},
            source_name=f"{prefix}-{n}.txt",
        )
        for n in range(3)
    ]  # fmt: skip


def test_insert_writes_the_rows_bulk_create_writes():
    made = Article.objects.bulk_create(pages("made"))
    inserted = bulk.insert(pages("inserted"))
    expected = [
        {**row, "title": row["title"].replace("made", "inserted"),
         "slug": row["slug"].replace("made", "inserted"),
         "source_name": row["source_name"].replace("made", "inserted")}
        for row in stored(Article, made)
    ]  # fmt: skip
    assert stored(Article, inserted) == expected
    assert all(row.created_at and row.updated_at for row in inserted)


def test_insert_fills_foreign_keys_of_rows_saved_after_the_object_was_made():
    article = Article(title="Parent", slug="parent")
    question = Question(question="Why?", slug="why", answer="Because.", article=article)
    bulk.insert([article])
    bulk.insert([question])
    assert Question.objects.get(pk=question.pk).article_id == article.pk


def test_insert_refuses_a_foreign_key_to_an_unsaved_row():
    question = Question(question="Why?", slug="why", answer="Because.")
    question.article = Article(title="Never saved", slug="never-saved")
    with pytest.raises(ValueError, match="unsaved related object"):
        bulk.insert([question])
    assert not Question.objects.exists()


def test_insert_refuses_rows_already_saved():
    source = Source.objects.create(file_name="a.txt", content_hash="a")
    with pytest.raises(ValueError):
        bulk.insert([source])


def test_insert_gives_each_object_its_own_primary_key_across_statements():
    # More rows than one statement takes on SQLite (999 parameters).
    sources = [Source(file_name=f"{n:04d}.txt", content_hash="x") for n in range(400)]
    bulk.insert(sources)
    assert len({s.pk for s in sources}) == 400
    names = dict(Source.objects.values_list("pk", "file_name"))
    assert all(names[s.pk] == s.file_name for s in sources)
    assert all(not s._state.adding for s in sources)


def test_insert_without_returning_writes_the_rows():
    article = bulk.insert(pages("linked"))[0]
    sources = bulk.insert([Source(file_name=f"{n}.txt") for n in range(3)])
    links = [
        Article.sources.through(article_id=article.pk, source_id=source.pk)
        for source in sources
    ]
    bulk.insert(links, returning=False)
    assert article.sources.count() == 3


def test_insert_writes_json_with_the_fields_encoder_and_tag_links():
    article = bulk.insert(pages("tagged"))[0]
    content_type = ContentType.objects.get_for_model(Article)
    tag = Tag.objects.create(name="Peels")
    link = TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
    item = bulk.insert([link])[0]
    assert item.pk and list(article.tags.names()) == ["Peels"]
    when = timezone.now()
    revision = bulk.insert(
        [Revision(content_type=content_type, object_id=article.pk, number=1,
                  object_repr="x", data={"at": when, "tags": ("a",)})]
    )[0]  # fmt: skip
    revision.refresh_from_db()
    assert revision.data["tags"] == ["a"]
    assert revision.data["at"].startswith(when.date().isoformat())


def test_insert_goes_through_djangos_cursor():
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(pages("counted"))
    assert len(queries) == 1
    assert queries[0]["sql"].startswith('INSERT INTO "articles_article"')
