import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, Treatment
from clinic.publishing import Status
from faq.models import Question
from tests.factories import make_article, make_question, make_treatment


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def changelist_url(model):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def article_form(article, **overrides):
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "tags": "",
        "status": article.status,
        "published_at_0": "",
        "published_at_1": "",
        "reviewer_name": "",
        "reviewer_credentials": "",
        "reviewed_date": "",
        "next_review_date": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_groups_exist_with_publish_permission_only_for_publishers():
    editors = Group.objects.get(name="Editors")
    publishers = Group.objects.get(name="Publishers")
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    publisher_perms = set(publishers.permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "change_question"} <= editor_perms
    assert not {p for p in editor_perms if p.startswith("publish_")}
    assert {"publish_article", "publish_treatment", "publish_question"} <= (
        publisher_perms
    )


@pytest.mark.django_db
def test_editor_form_post_cannot_publish_an_article(editor_client):
    article = make_article(status=Status.DRAFT)
    response = editor_client.post(
        change_url(article),
        article_form(
            article,
            status="published",
            published_at_0="2020-01-01",
            published_at_1="10:00",
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.published_at is None


@pytest.mark.django_db
def test_editor_can_still_edit_the_text_of_a_draft(editor_client):
    article = make_article(status=Status.DRAFT)
    editor_client.post(change_url(article), article_form(article, title="New title"))
    article.refresh_from_db()
    assert article.title == "New title"


@pytest.mark.django_db
def test_editor_creating_an_article_gets_a_draft_even_if_post_says_published(
    editor_client,
):
    data = article_form(Article(title="Fresh", slug="fresh"), status="published")
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    assert Article.objects.get(slug="fresh").status == Status.DRAFT


@pytest.mark.django_db
def test_publisher_form_post_publishes(publisher_client):
    article = make_article(status=Status.DRAFT)
    publisher_client.post(
        change_url(article), article_form(article, status="published")
    )
    article.refresh_from_db()
    assert article.is_published


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment, make_question])
def test_editor_bulk_publish_action_is_refused(editor_client, factory):
    obj = factory(status=Status.DRAFT)
    response = editor_client.post(
        changelist_url(type(obj)),
        {"action": "publish_selected", "_selected_action": [obj.pk]},
    )
    assert response.status_code in (200, 302)
    obj.refresh_from_db()
    assert obj.status == Status.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment, make_question])
def test_publisher_bulk_actions_publish_and_unpublish(publisher_client, factory):
    obj = factory(status=Status.DRAFT)
    url = changelist_url(type(obj))
    publisher_client.post(
        url, {"action": "publish_selected", "_selected_action": [obj.pk]}
    )
    obj.refresh_from_db()
    assert obj.is_published
    publisher_client.post(
        url, {"action": "unpublish_selected", "_selected_action": [obj.pk]}
    )
    obj.refresh_from_db()
    assert obj.status == Status.DRAFT


@pytest.mark.django_db
def test_editor_cannot_publish_a_question_through_the_treatment_inline(editor_client):
    treatment = make_treatment(status=Status.DRAFT)
    question = make_question(treatment=treatment, status=Status.DRAFT)
    prefix = "questions"
    data = {
        "title": treatment.title,
        "slug": treatment.slug,
        "summary": "",
        "body": "",
        "tags": "",
        "aftercare": "",
        "synonyms": "",
        "reviewer_name": "",
        "reviewer_credentials": "",
        "reviewed_date": "",
        "next_review_date": "",
        "facts-TOTAL_FORMS": "0",
        "facts-INITIAL_FORMS": "0",
        "contraindications-TOTAL_FORMS": "0",
        "contraindications-INITIAL_FORMS": "0",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": question.pk,
        f"{prefix}-0-treatment": treatment.pk,
        f"{prefix}-0-question": "Edited?",
        f"{prefix}-0-answer": "Yes.",
        f"{prefix}-0-position": "1",
        f"{prefix}-0-status": "published",
    }
    response = editor_client.post(change_url(treatment), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.question == "Edited?"
    assert question.status == Status.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Article, Treatment, Question])
def test_admin_changelists_and_filters_load(publisher_client, model):
    url = changelist_url(model)
    for query in (
        "",
        "?review=overdue",
        "?review=due",
        "?review=never",
        "?visibility=scheduled",
        "?q=skin",
    ):
        assert publisher_client.get(url + query).status_code == 200


@pytest.mark.django_db
def test_view_on_site_reaches_the_draft_preview(editor_client):
    article = make_article(status=Status.DRAFT)
    response = editor_client.get(change_url(article))
    assert response.status_code == 200
    assert b"View on site" in response.content
    assert editor_client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_publishers_may_import_sources_and_editors_may_not(publisher, editor):
    from django.test import Client

    url = reverse("admin:articles_article_import")
    as_publisher, as_editor = Client(), Client()
    as_publisher.force_login(publisher)
    as_editor.force_login(editor)
    assert as_publisher.get(url).status_code == 200
    assert as_editor.get(url).status_code == 403


@pytest.mark.django_db
def test_editors_can_edit_search_synonyms_and_see_zero_result_searches(editor_client):
    assert (
        editor_client.get(reverse("admin:search_synonym_changelist")).status_code == 200
    )
    assert editor_client.get(reverse("admin:search_synonym_add")).status_code == 200
    zero = reverse("admin:search_zeroresultquery_changelist")
    assert editor_client.get(zero).status_code == 200
