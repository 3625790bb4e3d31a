"""CompiledQuery and the public pages' queries built on it (issue 6): the same rows
as the QuerySet they are compiled from, the publish rule applied at each call's own
time, compiled once per shape; and the site links reversed once per process."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles.models import Article, Source, Treatment
from clinic.compiled import CompiledQuery
from clinic.context_processors import site_links
from clinic.publishing import Status
from faq.models import Question
from tests.clinic.test_publishing import PUBLISH_TRUTH_TABLE
from tests.factories import (
    make_article,
    make_fact,
    make_question,
    make_source,
    make_treatment,
)


def fields(rows, names):
    return [tuple(getattr(row, name) for name in names) for row in rows]


@pytest.mark.django_db
def test_compiled_query_returns_the_rows_and_values_of_its_queryset():
    treatment = make_treatment()
    articles = [make_article(treatments=[treatment]) for _ in range(3)]
    make_article(status=Status.DRAFT, published_at=None, treatments=[treatment])
    now = timezone.now()

    def build(pk, now, limit):
        return Article.objects.published(now).about(pk).cards()[:limit]

    compiled = CompiledQuery(build)
    names = ["pk", "slug", "title", "summary", "published_at"]
    for _ in range(2):  # compiled on the first call, reused on the second
        rows = compiled(treatment.pk, now, limit=2)
        assert fields(rows, names) == fields(build(treatment.pk, now, 2), names)
    assert [row.pk for row in compiled(treatment.pk, now, limit=10)] == [
        a.pk for a in reversed(articles)
    ]


@pytest.mark.django_db
def test_compiled_query_loads_only_the_columns_its_queryset_selects():
    article = make_article()
    (card,) = CompiledQuery(lambda pk: Article.objects.filter(pk=pk).cards())(
        article.pk
    )
    assert {"body", "body_html", "import_notes"} <= card.get_deferred_fields()
    assert card.published_at == article.published_at  # converted, time zone aware


@pytest.mark.django_db
def test_compiled_flat_values_list_returns_the_values():
    ids = [make_article(tags=["acne"]).pk for _ in range(3)]
    compiled = CompiledQuery(
        lambda slug: (
            Article.objects.tagged(slug).order_by("pk").values_list("pk", flat=True)
        )
    )
    assert compiled("acne") == ids
    assert compiled("no-such-tag") == []


@pytest.mark.django_db
def test_compiled_query_is_built_once_per_shape_of_its_values():
    sources = [make_source() for _ in range(3)]
    built = []

    def build(pks):
        built.append(len(pks))
        return Source.objects.filter(pk__in=pks)

    compiled = CompiledQuery(build)
    assert compiled([sources[0].pk, sources[1].pk]) == sources[:2]
    assert compiled([sources[1].pk, sources[2].pk]) == sources[1:]
    assert compiled([sources[2].pk]) == sources[2:]
    assert built == [2, 1]  # stand-ins once per list length, never per call


@pytest.mark.django_db
def test_compiled_query_runs_none_and_empty_lists_through_the_orm():
    question = make_question(treatment=None)
    built = []

    def build(value):
        built.append(value)
        return Question.objects.filter(treatment=value)

    compiled = CompiledQuery(build)
    assert compiled(None) == [question]
    assert CompiledQuery(lambda pks: Source.objects.filter(pk__in=pks))([]) == []
    assert built == [None]


def test_compiled_query_refuses_querysets_it_cannot_run():
    compiled = CompiledQuery(lambda pk: Question.objects.select_related("treatment"))
    with pytest.raises(TypeError):
        compiled(1)


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "offset", "visible"), PUBLISH_TRUTH_TABLE)
def test_published_page_and_published_agree(status, offset, visible):
    article = make_article(status=status, published_at=None)
    Article.objects.filter(pk=article.pk).update(
        published_at=None if offset is None else timezone.now() + offset
    )
    in_queryset = Article.objects.published().filter(pk=article.pk).exists()
    try:
        Article.objects.published_page(article.slug)
        found = True
    except Article.DoesNotExist:
        found = False
    assert found is in_queryset is visible


@pytest.mark.django_db
def test_compiled_queries_judge_publishing_by_each_calls_own_time():
    treatment = make_treatment()
    soon = timezone.now() + timedelta(hours=1)
    article = make_article(published_at=soon, treatments=[treatment])
    question = make_question(published_at=soon, article=article)
    with pytest.raises(Article.DoesNotExist):
        Article.objects.published_page(article.slug)
    assert Question.objects.published_with(article=article) == []
    later = soon + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert Article.objects.published_page(article.slug) == article
        assert Question.objects.published_with(article=article) == [question]
        assert Treatment.objects.published_with(articles=article) == [treatment]


def test_published_page_refuses_a_filtered_queryset():
    with pytest.raises(TypeError):
        Article.objects.filter(title="x").published_page("x")


@pytest.mark.django_db
def test_treatment_fact_rows_carry_their_sources_in_few_queries():
    treatment = make_treatment()
    own, other = make_source(), make_source()
    treatment.sources.add(own)
    facts = [make_fact(treatment, source=own), make_fact(treatment, source=other)]
    make_fact(treatment, source=None)
    with CaptureQueriesContext(connection) as queries:
        rows, contraindications = treatment.fact_rows()
        assert [row.source for row in rows] == [own, other, None]
    # facts, contraindications, the treatment's sources, the one it does not list
    assert len(queries) == 4
    assert [row.pk for row in rows[:2]] == [fact.pk for fact in facts]
    assert contraindications == []


def test_site_links_are_the_reversed_urls_under_the_script_prefix():
    assert site_links()["home"] == reverse("home")
    assert site_links()["topics"] == reverse("tag-list")
    set_script_prefix("/clinic/")
    try:
        assert site_links()["articles"] == "/clinic/articles/"
    finally:
        set_script_prefix("/")
    assert site_links()["articles"] == "/articles/"


def test_500_page_carries_the_site_links_without_a_request():
    # No django_db mark: the links come from the URLconf, never the database.
    from clinic.views import server_error

    body = server_error(None).content.decode()
    for name in ("home", "treatments", "questions", "topics", "article_feed"):
        assert f'href="{site_links()[name]}"' in body, name
