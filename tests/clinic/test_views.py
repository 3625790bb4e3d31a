from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from clinic.publishing import Status
from tests.factories import (
    make_article,
    make_contraindication,
    make_fact,
    make_question,
    make_treatment,
)

FUTURE = timedelta(days=3)


def hidden_variants(factory, **extra):
    return [
        factory(status=Status.DRAFT, **extra),
        factory(published_at=timezone.now() + FUTURE, **extra),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment])
def test_draft_and_scheduled_detail_pages_are_404_for_anonymous(client, factory):
    for obj in hidden_variants(factory):
        assert client.get(obj.get_absolute_url()).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment])
def test_staff_preview_a_draft_with_a_banner_and_no_cache(editor_client, factory):
    obj = factory(status=Status.DRAFT, title="Secret draft")
    response = editor_client.get(obj.get_absolute_url())
    assert response.status_code == 200
    assert b"Draft, not public" in response.content
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_published_page_has_no_draft_banner_for_staff(editor_client):
    article = make_article()
    response = editor_client.get(article.get_absolute_url())
    assert b"Draft, not public" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("articles:article-list"),
        reverse("articles:treatment-list"),
        reverse("faq:question-list"),
        reverse("tag-list"),
    ],
)
def test_lists_never_show_drafts_or_scheduled_pages(client, url):
    treatment = make_treatment(title="Visible treatment", tags=["acne"])
    make_article(title="Visible article", tags=["acne"])
    make_question(question="Visible question?", treatment=treatment, tags=["acne"])
    for factory, field, text in [
        (make_article, "title", "Hidden article"),
        (make_treatment, "title", "Hidden treatment"),
        (make_question, "question", "Hidden question?"),
    ]:
        for obj in hidden_variants(factory, tags=["hidden-topic"]):
            setattr(obj, field, text)
            obj.save()
    body = client.get(url).content.decode()
    assert "Hidden" not in body
    assert "hidden-topic" not in body


@pytest.mark.django_db
def test_tag_page_lists_every_kind_but_only_published(client):
    make_treatment(title="Microneedling", tags=["Scars"])
    make_article(title="Scar article", tags=["scars"])
    make_question(question="Do scars fade?", tags=["SCARS"])
    make_article(title="Draft scar article", tags=["scars"], status=Status.DRAFT)
    body = client.get(reverse("tag-detail", args=["scars"])).content.decode()
    assert "Microneedling" in body
    assert "Scar article" in body
    assert "Do scars fade?" in body
    assert "Draft scar article" not in body


@pytest.mark.django_db
def test_tag_used_only_by_drafts_is_404(client):
    make_article(tags=["secret"], status=Status.DRAFT)
    assert client.get(reverse("tag-detail", args=["secret"])).status_code == 404


@pytest.mark.django_db
def test_treatment_page_hides_draft_questions_and_articles(client):
    treatment = make_treatment()
    make_question(treatment=treatment, question="Live question?")
    make_question(treatment=treatment, question="Draft question?", status=Status.DRAFT)
    make_article(title="Draft related", treatments=[treatment], status=Status.DRAFT)
    body = client.get(treatment.get_absolute_url()).content.decode()
    assert "Live question?" in body
    assert "Draft question?" not in body
    assert "Draft related" not in body


@pytest.mark.django_db
def test_healthz_answers_200_without_setting_cookies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(client):
    with mock.patch("clinic.views.connection.cursor", side_effect=DatabaseError):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_unknown_page_is_404_in_the_site_design(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_detail_pages_use_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    def build(n):
        treatment = make_treatment(tags=[f"t{i}" for i in range(n)])
        for i in range(n):
            make_fact(treatment, value=f"fact {i}")
            make_contraindication(treatment, condition=f"condition {i}")
            make_question(treatment=treatment, tags=[f"q{i}"])
            make_article(treatments=[treatment], tags=[f"a{i}"])
        return treatment

    small, large = build(1), build(15)
    counts = []
    for treatment in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(treatment.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get(large.get_absolute_url())
