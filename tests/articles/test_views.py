from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.publishing import Status
from tests.factories import make_article, make_question, make_source, make_treatment


def days_ago(n):
    return timezone.now() - timedelta(days=n)


@pytest.mark.django_db
def test_article_list_is_newest_first_and_paginated_by_ten(client):
    for n in range(12):
        make_article(title=f"Article aged {n:02d}", published_at=days_ago(n + 1))
    first = client.get(reverse("articles:article-list")).content.decode()
    assert first.index("Article aged 00") < first.index("Article aged 09")
    assert "Article aged 10" not in first
    assert "Page 1 of 2" in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(reverse("articles:article-list") + "?page=2").content.decode()
    assert "Article aged 11" in second
    assert client.get(reverse("articles:article-list") + "?page=9").status_code == 404


@pytest.mark.django_db
def test_article_page_shows_tags_treatments_sources_and_questions(client):
    treatment = make_treatment(title="Microneedling")
    hidden = make_treatment(title="Secret laser", status=Status.DRAFT)
    article = make_article(
        title="Scar care", tags=["Scars"], treatments=[treatment, hidden]
    )
    article.sources.add(make_source(title="A study of scars"))
    make_question(question="Will it scar?", article=article)
    make_question(question="Draft question?", article=article, status=Status.DRAFT)
    body = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{treatment.get_absolute_url()}">Microneedling</a>' in body
    assert "Secret laser" not in body
    assert f'href="{reverse("tag-detail", args=["scars"])}">Scars</a>' in body
    assert '<li id="ref-1">A study of scars</li>' in body
    assert "Will it scar?" in body
    assert "Draft question?" not in body


@pytest.mark.django_db
def test_related_articles_share_tags_most_shared_first_and_only_published(client):
    article = make_article(title="Main", tags=["scars", "collagen", "laser"])
    make_article(title="Shares one", tags=["scars"])
    make_article(title="Shares two", tags=["scars", "collagen"])
    make_article(title="Shares none", tags=["peels"])
    make_article(title="Draft sharing", tags=["scars"], status=Status.DRAFT)
    make_article(
        title="Scheduled sharing",
        tags=["scars"],
        published_at=timezone.now() + timedelta(days=1),
    )
    body = client.get(article.get_absolute_url()).content.decode()
    related = body[body.index("Related articles") :]
    assert related.index("Shares two") < related.index("Shares one")
    assert "Shares none" not in body
    assert "Draft sharing" not in body
    assert "Scheduled sharing" not in body
    assert related.count(">Main<") == 0


@pytest.mark.django_db
def test_treatment_list_shows_only_published_treatments(client):
    make_treatment(title="Chemical peel", summary="An acid solution.")
    make_treatment(title="Secret", status=Status.DRAFT)
    body = client.get(reverse("articles:treatment-list")).content.decode()
    assert "Chemical peel" in body and "An acid solution." in body
    assert "Secret" not in body


@pytest.mark.django_db
def test_draft_preview_is_not_indexed(editor_client):
    article = make_article(status=Status.DRAFT)
    response = editor_client.get(article.get_absolute_url())
    assert response["X-Robots-Tag"] == "noindex"
    assert b'<meta name="robots" content="noindex">' in response.content


@pytest.mark.django_db
def test_related_to_lists_at_most_the_limit_and_never_loads_bodies():
    from articles.models import Article

    article = make_article(title="Main", tags=["scars", "collagen"])
    for n in range(6):
        make_article(title=f"Shares one {n}", tags=["scars"], published_at=days_ago(n))
    make_article(
        title="Shares two", tags=["scars", "collagen"], published_at=days_ago(30)
    )
    related = list(Article.objects.related_to(article, limit=4))
    assert [a.title for a in related] == [
        "Shares two",
        "Shares one 0",
        "Shares one 1",
        "Shares one 2",
    ]
    assert all({"body", "body_html"} <= a.get_deferred_fields() for a in related)


@pytest.mark.django_db
def test_related_to_an_untagged_article_is_empty():
    from articles.models import Article

    article = make_article(title="Lonely")
    make_article(title="Other")
    assert list(Article.objects.related_to(article)) == []


@pytest.mark.django_db
def test_treatment_page_lists_only_the_newest_articles(client):
    from articles.views import TREATMENT_ARTICLES

    treatment = make_treatment(title="Microneedling")
    for n in range(TREATMENT_ARTICLES + 2):
        make_article(
            title=f"Needling note {n:02d}",
            treatments=[treatment],
            published_at=days_ago(n + 1),
        )
    body = client.get(treatment.get_absolute_url()).content.decode()
    assert f"Needling note {TREATMENT_ARTICLES - 1:02d}" in body
    assert f"Needling note {TREATMENT_ARTICLES:02d}" not in body
