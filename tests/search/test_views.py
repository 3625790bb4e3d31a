"""The search page and the suggestions endpoint, including hostile input."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.search import api
from clinic.search.models import SearchEntry

pytestmark = pytest.mark.django_db

URL = "/search/"

HOSTILE = [
    '"',
    '"unbalanced',
    'a "b" "c',
    "NEAR(",
    "NEAR(acne scars, 2)",
    "*",
    "acne*",
    "-acne",
    "- - -",
    "AND OR NOT",
    "acne AND",
    "title:acne",
    ":",
    "^acne",
    "{names}: x",
    "'; DROP TABLE search_searchentry; --",
    "1' OR '1'='1",
    "acne) UNION SELECT * FROM auth_user --",
    "%",
    "_",
    "\\",
    "😀 acne 🧴",
    "مرحبا بالعالم",
    "שלום acne",
    "\u202eacne\u202c",
    "a" * 10_000,
    "acne " * 2_000,
    "don't",
    "@x",
    "",
    "   ",
    "&&||!",
    "<script>alert(1)</script>",
    "\ufffd\ufffe",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_answer_with_a_page(client, clinic_content, text):
    response = client.get(URL, {"q": text})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


@pytest.mark.parametrize("raw", ["q=%00", "q=acne%00scars", "q=a&kind=%00"])
def test_nul_bytes_are_refused_with_a_clear_message(client, raw):
    response = client.get(f"{URL}?{raw}")
    assert response.status_code == 400
    assert b"cannot contain a NUL character" in response.content


def test_invalid_utf8_in_the_url_answers_with_a_page(client, clinic_content):
    response = client.get(URL + "?q=%ff%fe%c3acne&kind=%e2%28&page=%80")
    assert response.status_code == 200


def test_bad_page_and_kind_values_fall_back(client, clinic_content):
    for params in ({"page": "x"}, {"page": "-5"}, {"page": "9" * 30}, {"kind": "z"}):
        assert client.get(URL, {"q": "stretch", **params}).status_code == 200


def test_empty_query_shows_the_search_page(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'<label for="q">' in response.content
    assert b"result" not in response.content


def test_long_query_is_cut_with_a_message(client, clinic_content):
    response = client.get(URL, {"q": "stretch " * 100})
    assert response.status_code == 200
    assert b"only its first 200 characters were used" in response.content


def test_results_page_shows_title_kind_highlighted_snippet_and_keeps_the_query(
    client, clinic_content
):
    response = client.get(URL, {"q": "micro needling"})
    html = response.content.decode()
    assert 'value="micro needling"' in html
    assert '<a href="/treatments/microneedling/">Microneedling</a>' in html
    assert '<p class="kind">Treatment</p>' in html
    assert "<mark>" in html
    assert "<script" not in html.replace('<script src="/static/js/', "")


def test_did_you_mean_links_to_the_corrected_search(client, clinic_content):
    html = client.get(URL, {"q": "microneedlng"}).content.decode()
    assert 'Did you mean <a href="?q=microneedling">microneedling</a>?' in html


def test_filter_links_carry_counts_and_the_query(client, clinic_content):
    html = client.get(URL, {"q": "stretch marks"}).content.decode()
    assert "?q=stretch%20marks&amp;kind=article" in html
    assert "Articles (5)" in html
    assert "?q=stretch%20marks&amp;tag=pregnancy" in html
    filtered = client.get(URL, {"q": "stretch marks", "kind": "treatment"})
    assert b'<p class="kind">Article</p>' not in filtered.content


def test_filter_links_keep_the_other_filter_and_mark_the_one_in_force(
    client, clinic_content
):
    html = client.get(
        URL, {"q": "stretch marks", "kind": "article", "tag": "pregnancy"}
    ).content.decode()
    assert '<strong aria-current="true">Articles (3)</strong>' in html
    assert '<strong aria-current="true">pregnancy (3)</strong>' in html
    assert 'href="?q=stretch%20marks&amp;tag=pregnancy">All kinds</a>' in html
    assert 'href="?q=stretch%20marks&amp;kind=article">All topics</a>' in html


def test_pagination_links(client, db):
    from tests.factories import make_article

    for i in range(12):
        make_article(title=f"Laser note {i}")
    html = client.get(URL, {"q": "laser"}).content.decode()
    assert "Page 1 of 2" in html
    assert 'rel="next" href="?q=laser&amp;page=2"' in html
    page_two = client.get(URL, {"q": "laser", "page": "2"}).content.decode()
    assert 'start="11"' in page_two


@pytest.fixture
def publish_time_known():
    """The page cache looks the next publish time up once per content change, not
    per request: counted requests start with it known."""
    from django.utils import timezone

    from clinic import caching

    caching.next_publish_at(timezone.now())


def test_search_view_query_count(
    client, clinic_content, publish_time_known, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        response = client.get(URL, {"q": "micodermabrasion scars", "tag": "pregnancy"})
    assert response.status_code == 200


def test_empty_search_view_runs_no_search_query(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert not [q for q in queries.captured_queries if "search_" in q["sql"]]


def test_suggest_json(
    client, clinic_content, publish_time_known, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get(reverse("search:search-suggest"), {"q": "Micron"})
    assert response.json() == {
        "suggestions": [
            {
                "title": "Microneedling",
                "url": "/treatments/microneedling/",
                "kind": "treatment",
            },
            {
                "title": "Microneedling Stretch Marks",
                "url": "/articles/microneedling-stretch-marks/",
                "kind": "article",
            },
        ]
    }


@pytest.mark.parametrize("text", HOSTILE)
def test_suggest_survives_hostile_prefixes(client, clinic_content, text):
    response = client.get(reverse("search:search-suggest"), {"q": text})
    assert response.status_code == 200
    assert "suggestions" in response.json()


def test_suggest_refuses_nul(client):
    response = client.get(reverse("search:search-suggest") + "?q=a%00")
    assert response.status_code == 400


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300), kind=st.sampled_from(["", "article", "x"]))
def test_any_text_searches_without_error(clinic_content, text, kind):
    results = api.search(text.replace("\x00", ""), kind=kind or None, tag="pregnancy")
    assert results.total >= 0
    api.suggest(text.replace("\x00", ""))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.text(
        alphabet=st.sampled_from(list('"()*-:^{}+NEARORNOTAND acné ') + ["\u202e"]),
        max_size=60,
    )
)
def test_operator_soup_searches_without_error(clinic_content, text):
    api.search(text)


def test_rebuild_search_index_command(clinic_content, capsys):
    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index")
    assert "Indexed 9 pages" in capsys.readouterr().out
    assert SearchEntry.objects.count() == 9
