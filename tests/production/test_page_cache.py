from datetime import timedelta
from unittest import mock

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinic import caching
from clinic.publishing import Status
from tests.factories import (
    make_article,
    make_contraindication,
    make_fact,
    make_question,
    make_treatment,
    public_page_urls,
)

pytestmark = pytest.mark.django_db


def get(client, url, **extra):
    return client.get(url, **extra)


def test_second_anonymous_get_is_served_from_cache_without_queries(
    client, django_assert_num_queries
):
    article = make_article(title="Collagen basics")
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_a_hit_sends_the_same_headers_as_the_miss_that_stored_it(client):
    """Hits are answered before most middleware runs, so every header that
    middleware adds must have been stored with the page."""
    make_question(treatment=make_treatment(tags=["scars"]))
    urls = [
        reverse("home"),
        make_article(tags=["scars"]).get_absolute_url(),
        reverse("faq:question-list"),
        reverse("tag-detail", args=["scars"]),
    ]
    for url in urls:
        miss = client.get(url)
        hit = client.get(url)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit"), url
        assert dict(hit.items()) == {**dict(miss.items()), "X-Page-Cache": "hit"}
        for header in (
            "Content-Security-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "ETag",
            "Cache-Control",
            "Content-Type",
            "Content-Length",
        ):
            assert header in hit, (url, header)
        assert int(hit["Content-Length"]) == len(hit.content)


def test_a_hit_answers_if_none_match_with_304_and_no_body(client):
    url = make_article().get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url)["X-Page-Cache"] == "hit"
    response = client.get(url, headers={"if-none-match": f'"other", {etag}'})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_head_is_answered_from_the_cache(client):
    url = make_article().get_absolute_url()
    client.get(url)
    assert client.head(url)["X-Page-Cache"] == "hit"


def test_conditional_get_answers_304_with_the_cached_etag(client):
    url = make_article().get_absolute_url()
    etag = client.get(url)["ETag"]
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert "max-age=0" in response["Cache-Control"]


def test_etag_changes_when_the_page_changes(client):
    article = make_article(title="Before")
    url = article.get_absolute_url()
    etag = client.get(url)["ETag"]
    article.title = "After"
    article.save()
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert b"After" in response.content


@pytest.mark.parametrize(
    "change",
    [
        "title",
        "review",
        "unpublish",
        "delete",
        "tag_added",
        "tag_removed",
        "fact",
        "contraindication",
        "question",
        "related_article",
    ],
)
def test_cached_treatment_page_changes_at_once_when_its_content_changes(client, change):
    treatment = make_treatment(title="Microneedling", tags=["scars"])
    url = treatment.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "hit"

    expected = {"status": 200}
    if change == "title":
        treatment.title = "Collagen induction"
        treatment.save()
        expected["text"] = "Collagen induction"
    elif change == "review":
        treatment.reviewer_name = "Dr Ana Silva"
        treatment.reviewed_date = timezone.localdate()
        treatment.save()
        expected["text"] = "Dr Ana Silva"
    elif change == "unpublish":
        treatment.status = Status.DRAFT
        treatment.save()
        expected = {"status": 404}
    elif change == "delete":
        treatment.delete()
        expected = {"status": 404}
    elif change == "tag_added":
        treatment.tags.add("stretch-marks")
        expected["text"] = "stretch-marks"
    elif change == "tag_removed":
        treatment.tags.remove("scars")
        expected["absent"] = "scars"
    elif change == "fact":
        make_fact(treatment, value="Four quiet sessions")
        expected["text"] = "Four quiet sessions"
    elif change == "contraindication":
        make_contraindication(treatment, condition="Active cold sores")
        expected["text"] = "Active cold sores"
    elif change == "question":
        make_question(treatment=treatment, question="Does it hurt at all?")
        expected["text"] = "Does it hurt at all?"
    elif change == "related_article":
        make_article(title="Living with scars", treatments=[treatment])
        expected["text"] = "Living with scars"

    response = client.get(url)
    assert response.status_code == expected["status"]
    body = response.content.decode()
    if "text" in expected:
        assert expected["text"] in body
    if "absent" in expected:
        assert expected["absent"] not in body


def test_cached_lists_change_when_a_page_is_published(client):
    draft = make_article(title="Quiet launch", status=Status.DRAFT)
    for url in (reverse("home"), reverse("articles:article-list")):
        assert "Quiet launch" not in client.get(url).content.decode()
    draft.status = Status.PUBLISHED
    draft.save()
    for url in (reverse("home"), reverse("articles:article-list")):
        assert "Quiet launch" in client.get(url).content.decode()


def test_scheduled_page_appears_at_its_time_without_any_save(client):
    make_article(title="Already live")
    soon = timezone.now() + timedelta(minutes=5)
    make_article(title="Scheduled launch", published_at=soon)
    home = reverse("home")
    assert "Scheduled launch" not in client.get(home).content.decode()
    assert client.get(home)["X-Page-Cache"] == "hit"

    later = soon + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get(home)
    assert "Scheduled launch" in response.content.decode()


def test_cache_lifetime_is_capped_at_the_next_publish_time(client):
    make_article()
    soon = timezone.now() + timedelta(seconds=90)
    make_question(published_at=soon)
    url = reverse("home")
    client.get(url)
    generation = caching.cache().get(caching.GENERATION_KEY)
    entry = caching.cache().get(caching.page_key(RequestFactory().get(url)))
    assert entry["generation"] == generation
    assert entry["expires"] == soon


def test_logged_in_staff_are_never_served_or_stored(editor_client, client):
    article = make_article(title="Public page")
    url = article.get_absolute_url()
    staff_view = editor_client.get(url)
    assert "X-Page-Cache" not in staff_view
    # The anonymous visitor's first view is a miss: staff views were not stored.
    client.cookies.clear()
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_staff_draft_preview_is_never_cached_for_anyone(editor_client):
    draft = make_article(title="Secret draft", status=Status.DRAFT)
    url = draft.get_absolute_url()
    editor_client.get(url)
    editor_client.cookies.clear()
    response = editor_client.get(url)
    assert response.status_code == 404
    assert b"Secret draft" not in response.content


def test_requests_with_a_session_cookie_bypass_the_cache(client):
    url = make_article().get_absolute_url()
    client.get(url)
    client.cookies["sessionid"] = "stale"
    assert "X-Page-Cache" not in client.get(url)


def test_not_found_pages_are_not_cached(client):
    client.get("/articles/nothing-here/")
    response = client.get("/articles/nothing-here/")
    assert response.status_code == 404
    assert "X-Page-Cache" not in response


def test_healthz_and_admin_are_never_cached(client):
    for url in ("/healthz", reverse("admin:login")):
        client.get(url)
        assert "X-Page-Cache" not in client.get(url)


@pytest.mark.parametrize(
    "header,value",
    [
        ("Cache-Control", "private"),
        ("Cache-Control", "no-cache"),
        ("Cache-Control", "no-store"),
        ("Vary", "Accept-Language"),
    ],
)
def test_responses_marked_private_or_varying_are_not_stored(rf, header, value):
    def view(request):
        response = HttpResponse("page")
        response[header] = value
        return response

    middleware = caching.PageCacheMiddleware(view)
    middleware(rf.get("/somewhere/"))
    assert middleware(rf.get("/somewhere/")).get("X-Page-Cache") is None


def test_responses_setting_a_cookie_are_not_stored(rf):
    def view(request):
        response = HttpResponse("form page")
        response.set_cookie("csrftoken", "abc")
        return response

    middleware = caching.PageCacheMiddleware(view)
    middleware(rf.get("/form/"))
    assert middleware(rf.get("/form/")).get("X-Page-Cache") is None


def test_public_pages_set_no_cookies_and_unrelated_cookies_share_one_entry(client):
    urls = [*public_page_urls("acne"), reverse("search:search") + "?q=acne"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
    # A CSRF cookie from an earlier admin visit, or any other non-session cookie,
    # does not split the cache: the anonymous page is one entry per URL.
    client.cookies["csrftoken"] = "from-an-earlier-visit"
    client.cookies["consent"] = "yes"
    for url in urls:
        assert client.get(url)["X-Page-Cache"] == "hit", url


def test_bulk_admin_action_retires_cached_pages(publisher_client, client):
    draft = make_article(title="Bulk launch", status=Status.DRAFT)
    url = reverse("articles:article-list")
    assert "Bulk launch" not in client.get(url).content.decode()
    response = publisher_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    assert "Bulk launch" in client.get(url).content.decode()


def test_one_generation_change_per_transaction(monkeypatch):
    from django.db import transaction

    changes = []
    original = caching._new_generation
    monkeypatch.setattr(
        caching, "_new_generation", lambda: changes.append(1) or original()
    )
    with transaction.atomic():
        make_article(tags=["a", "b", "c"])
        make_treatment(tags=["d"])
        assert changes == []  # nothing before the commit
    assert changes == [1]


def test_page_cache_can_be_turned_off(client, settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    url = make_article().get_absolute_url()
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_invalidate_pages_command_retires_cached_pages(client):
    from django.core.management import call_command

    url = make_article().get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    call_command("invalidate_pages")
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_the_search_index_rebuild_keeps_fast_deletes():
    from django.db.models.signals import post_delete

    from clinic.search.models import SearchEntry

    assert not post_delete.has_listeners(SearchEntry)
