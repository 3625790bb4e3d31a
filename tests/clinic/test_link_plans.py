"""Pages of rows linked to a tag or a treatment (issue 6): the two plans give the
same rows, the choice between them follows the number of links, and an import
leaves the database with planner statistics (clinic/planner.py)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from clinic import publishing
from clinic.publishing import Status
from faq.models import Question
from tests.factories import make_article, make_question, make_treatment

pytestmark = pytest.mark.django_db


def _mixed_articles(tags=(), treatments=()):
    """Published, draft and scheduled articles, newest first, plus one untagged."""
    now = timezone.now()
    made = [
        make_article(
            tags=tags,
            treatments=treatments,
            published_at=now - timedelta(days=n + 1),
        )
        for n in range(5)
    ]
    make_article(
        tags=tags, treatments=treatments, status=Status.DRAFT, published_at=None
    )
    make_article(tags=tags, treatments=treatments, published_at=now + timedelta(days=1))
    make_article()
    return made


def test_both_tag_plans_give_the_published_rows_newest_first():
    published = _mixed_articles(tags=["scars", "collagen"])
    make_question(tags=["scars"])
    now = timezone.now()
    for common in (False, True):
        rows = Article.objects.published(now).tagged("scars", common=common)
        assert list(rows) == published
        assert list(rows.cards()[1:3]) == published[1:3]
        assert not Article.objects.tagged("no-such-tag", common=common).exists()
        assert Question.objects.published(now).tagged("scars", common=common).count()


def test_both_treatment_plans_give_the_published_rows_newest_first():
    treatment = make_treatment()
    published = _mixed_articles(treatments=[treatment])
    now = timezone.now()
    for common in (False, True):
        rows = Article.objects.published(now).about(treatment.pk, common=common)
        assert list(rows) == published
        assert list(rows.about(make_treatment(), common=common)) == []


def test_a_tag_or_treatment_is_common_from_the_threshold_on(monkeypatch):
    monkeypatch.setattr(publishing, "COMMON_LINKS", 3)
    treatment = make_treatment()
    for _ in range(2):
        make_article(tags=["acne"], treatments=[treatment])
    assert not Article.objects.tag_is_common("acne")
    assert not Article.objects.treatment_is_common(treatment.pk)
    # Drafts count: the choice is about how many links there are to walk.
    make_article(
        tags=["acne"], treatments=[treatment], status=Status.DRAFT, published_at=None
    )
    assert Article.objects.tag_is_common("acne")
    assert Article.objects.treatment_is_common(treatment.pk)
    # Links of another kind of page do not count.
    make_question(tags=["scars"])
    make_question(tags=["scars"])
    make_question(tags=["scars"])
    assert not Article.objects.tag_is_common("scars")


def test_tag_and_treatment_pages_are_the_same_under_either_plan(
    client, monkeypatch, settings
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    treatment = make_treatment(title="Scar laser", tags=["scars"])
    _mixed_articles(tags=["scars"], treatments=[treatment])
    pages = [
        reverse("tag-detail", args=["scars"]),
        reverse("tag-detail", args=["scars"]) + "?page=1",
        treatment.get_absolute_url(),
    ]
    rare = [client.get(url).content for url in pages]
    monkeypatch.setattr(publishing, "COMMON_LINKS", 1)
    assert Article.objects.tag_is_common("scars")
    assert [client.get(url).content for url in pages] == rare


def test_an_import_refreshes_the_planner_statistics():
    call_command("import_sources", stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'"
            )
            assert cursor.fetchone()[0] > 0
        else:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'articles_article'"
            )
            assert cursor.fetchone()[0] == Article.objects.count()
