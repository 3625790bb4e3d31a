import pytest
from django.test import Client

from clinic.publishing import Status
from tests.clinic.test_admin import article_form, change_url
from tests.conftest import make_staff
from tests.factories import make_article


def form_token(client, obj):
    response = client.get(change_url(obj))
    return response.context["adminform"].form["edit_token"].value()


@pytest.mark.django_db
def test_second_save_of_a_stale_form_is_refused_and_says_what_changed():
    first, second = Client(), Client()
    first.force_login(make_staff("alice", "Editors", first_name="Alice"))
    second.force_login(make_staff("bob", "Editors"))
    article = make_article(status=Status.DRAFT, title="Original")
    token_a, token_b = form_token(first, article), form_token(second, article)

    saved = first.post(
        change_url(article),
        article_form(article, title="Alice's title", edit_token=token_a),
    )
    assert saved.status_code == 302

    refused = second.post(
        change_url(article),
        article_form(article, title="Bob's title", edit_token=token_b),
    )
    assert refused.status_code == 200
    message = refused.content.decode()
    assert "changed by someone else" in message
    assert "Alice changed title" in message
    article.refresh_from_db()
    assert article.title == "Alice's title"


@pytest.mark.django_db
def test_a_fresh_form_saves_normally(editor_client):
    article = make_article(status=Status.DRAFT)
    token = form_token(editor_client, article)
    response = editor_client.post(
        change_url(article), article_form(article, title="Fine", edit_token=token)
    )
    assert response.status_code == 302
