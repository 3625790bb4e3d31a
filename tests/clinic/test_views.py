from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic import caching
from clinic.publishing import Status
from tests.factories import (
    make_article,
    make_contraindication,
    make_fact,
    make_question,
    make_source,
    make_treatment,
    public_page_urls,
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


# Query budgets ------------------------------------------------------------------


@pytest.fixture
def no_page_cache(settings):
    """Count the view's own queries, not the page cache's (issue 6)."""
    settings.CLINIC_PAGE_CACHE_SECONDS = 0


def build_site(n):
    """A treatment, an article and a tag each with `n` of everything around them:
    tags, facts, contraindications, sources, questions, related articles."""
    treatment = make_treatment(tags=[f"t{n}-{i}" for i in range(n)] + ["shared"])
    article = make_article(
        tags=[f"a{n}-{i}" for i in range(n)] + ["shared"], treatments=[treatment]
    )
    for i in range(n):
        source = make_source()
        make_fact(treatment, value=f"fact {i}", source=source)
        make_contraindication(treatment, condition=f"condition {i}", source=source)
        treatment.sources.add(make_source())
        article.sources.add(source)
        make_question(treatment=treatment, article=article, tags=[f"q{n}-{i}"])
        make_article(treatments=[treatment], tags=[f"a{n}-{i}", "shared"])
        make_treatment(tags=["shared"])
    return {"treatment": treatment, "article": article}


def public_urls(site):
    return {
        "home": reverse("home"),
        "treatment-list": reverse("articles:treatment-list"),
        "treatment-detail": site["treatment"].get_absolute_url(),
        "article-list": reverse("articles:article-list"),
        "article-detail": site["article"].get_absolute_url(),
        "faq": reverse("faq:question-list"),
        "tag-list": reverse("tag-list"),
        "tag-detail": reverse("tag-detail", args=["shared"]),
        "feed": reverse("article-feed"),
        "tag-feed": reverse("tag-feed", args=["shared"]),
        "sitemap": reverse("sitemap"),
        "sitemap-section": reverse("sitemap-section", args=["articles"]),
    }


# The most queries each page may make, whatever the amount of content.
BUDGETS = {
    "home": 3,
    "treatment-list": 1,
    # 7 when every source its facts cite is one of its own (as imported); one of
    # them counts its articles, up to COMMON_LINKS, to pick their plan.
    "treatment-detail": 9,
    "article-list": 3,
    "article-detail": 7,
    # Questions, then their treatments: two compiled queries (faq/views.py).
    "faq": 2,
    "tag-list": 1,
    # Each with a bounded count of the tag's article links, to pick the plan.
    "tag-detail": 5,
    "feed": 2,
    "tag-feed": 4,
    # The index: a count and a latest change per section.
    "sitemap": 7,
    "sitemap-section": 2,
}


def count_queries(client, url):
    client.get(url)  # warm Django's own caches (content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(BUDGETS))
def test_every_public_page_makes_the_same_queries_for_small_and_large_data(
    client, no_page_cache, django_assert_max_num_queries, page
):
    small = public_urls(build_site(1))[page]
    small_count = count_queries(client, small)
    large = public_urls(build_site(20))[page]
    large_count = count_queries(client, large)
    assert small_count == large_count, (page, small_count, large_count)
    with django_assert_max_num_queries(BUDGETS[page]):
        client.get(large)


# What every page carries -----------------------------------------------------------

HOST = "clinic.example.org"


@pytest.fixture
def clinic_host(settings):
    """A real-looking host: absolute URLs must use it, never example.com."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    return HOST


@pytest.mark.django_db
def test_every_page_has_title_description_canonical_open_graph_and_one_h1(
    client, clinic_host
):
    for url in public_page_urls("scars"):
        body = client.get(url, HTTP_HOST=clinic_host).content.decode()
        canonical = f"http://{clinic_host}{url}"
        assert body.count("<title>") == 1, url
        assert '<meta name="description" content="' in body, url
        assert f'<link rel="canonical" href="{canonical}">' in body, url
        assert f'<meta property="og:url" content="{canonical}">' in body, url
        for prop in ("og:title", "og:description", "og:type", "og:site_name"):
            assert f'<meta property="{prop}"' in body, (url, prop)
        assert body.count("<h1") == 1, url
        assert '<a class="skip-link" href="#main">' in body, url
        assert '<main id="main"' in body, url
        assert "When to see a doctor" in body, url
        assert "example.com" not in body, url


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client):
    for url in [*public_page_urls("scars"), "/no-such-page/"]:
        body = client.get(url).content.decode()
        assert "<style" not in body, url
        assert " style=" not in body, url
        scripts = body.count("<script")
        assert scripts == body.count('<script type="application/ld+json">'), url


@pytest.mark.django_db
def test_article_list_canonical_keeps_only_the_page_number(client):
    for i in range(11):
        make_article(title=f"Article {i}")
    body = client.get("/articles/?page=2&utm_source=x").content.decode()
    assert '<link rel="canonical" href="http://testserver/articles/?page=2">' in body


@pytest.mark.django_db
def test_treatment_page_shows_facts_contraindications_and_numbered_references(
    client,
):
    study = make_source(title="A trial of microneedling", url="https://example.org/t")
    leaflet = make_source(title="Patient leaflet")
    uncited = make_source(title="Background reading")
    treatment = make_treatment(title="Microneedling", aftercare="Wear SPF 50.")
    treatment.sources.add(uncited)
    make_fact(treatment, kind="sessions", value="3 to 6 sessions", source=study)
    make_fact(treatment, kind="downtime", value="1 to 3 days", source=leaflet)
    make_contraindication(
        treatment, condition="Pregnant", reason="Not enough evidence.", source=study
    )
    body = client.get(treatment.get_absolute_url()).content.decode()
    assert "<dt>Number of sessions</dt><dd>3 to 6 sessions" in body
    assert "Who should not have this treatment" in body
    assert '<th scope="row">Pregnant</th>' in body
    assert body.count('href="#ref-1"') == 2  # the sessions fact and the row
    assert body.count('href="#ref-2"') == 1
    assert '<li id="ref-1"><a href="https://example.org/t"' in body
    assert '<li id="ref-2">Patient leaflet</li>' in body
    assert '<li id="ref-3">Background reading</li>' in body
    assert "Wear SPF 50." in body


@pytest.mark.django_db
def test_page_shows_its_clinical_review(client):
    treatment = make_treatment(
        reviewer_name="Dr Ana Silva",
        reviewer_credentials="MBBS, MRCP",
        reviewed_date=timezone.localdate() - timedelta(days=10),
        next_review_date=timezone.localdate() + timedelta(days=355),
    )
    body = client.get(treatment.get_absolute_url()).content.decode()
    assert "Reviewed by Dr Ana Silva, MBBS, MRCP on" in body
    assert "Next review due" in body
    assert "due for clinical review" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [make_article, make_treatment])
def test_overdue_page_shows_a_due_for_review_note(client, factory):
    page = factory(
        reviewer_name="Dr Ana Silva",
        reviewed_date=timezone.localdate() - timedelta(days=400),
        next_review_date=timezone.localdate() - timedelta(days=35),
    )
    body = client.get(page.get_absolute_url()).content.decode()
    assert "This page is due for clinical review." in body


@pytest.mark.django_db
def test_home_has_a_labelled_search_box_for_the_search_page(client):
    make_question(question="Does it hurt?")
    body = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("search:search")}" method="get"' in body
    assert '<label for="home-search">' in body
    assert '<input id="home-search" name="q" type="search"' in body
    assert "Does it hurt?" in body


@pytest.mark.django_db
def test_tag_page_links_its_feed(client):
    make_article(tags=["scars"])
    body = client.get(reverse("tag-detail", args=["scars"])).content.decode()
    assert f'href="{reverse("tag-feed", args=["scars"])}"' in body


@pytest.mark.django_db
def test_unknown_tag_is_404(client):
    assert client.get(reverse("tag-detail", args=["nothing"])).status_code == 404


@pytest.mark.django_db
def test_robots_txt_points_at_the_sitemap_on_the_request_host(client, clinic_host):
    response = client.get("/robots.txt", HTTP_HOST=clinic_host)
    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: http://{clinic_host}/sitemap.xml" in response.content.decode()


def test_500_page_renders_without_a_database_or_request():
    # No django_db mark: any query here raises.
    from clinic.views import server_error

    response = server_error(None)
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, something went wrong" in body
    assert "When to see a doctor" in body
    assert "css/site.css" in body


@pytest.mark.django_db
def test_tag_page_pages_its_articles_newest_first(client):
    from clinic.views import TAG_ARTICLES_PER_PAGE

    make_treatment(title="Scar laser", tags=["scars"])
    for n in range(TAG_ARTICLES_PER_PAGE + 1):
        make_article(
            title=f"Scar note {n:02d}",
            tags=["scars"],
            published_at=timezone.now() - timedelta(days=n + 1),
        )
    url = reverse("tag-detail", args=["scars"])
    first = client.get(url).content.decode()
    assert "Scar note 00" in first
    assert f"Scar note {TAG_ARTICLES_PER_PAGE:02d}" not in first
    assert 'href="?page=2" rel="next"' in first
    assert "Scar laser" in first
    second = client.get(url + "?page=2").content.decode()
    assert f"Scar note {TAG_ARTICLES_PER_PAGE:02d}" in second
    assert "Scar note 00" not in second
    assert f'href="{url}" rel="prev"' in second
    assert 'rel="next"' not in second
    for page in ("3", "0", "x"):
        assert client.get(url + "?page=" + page).status_code == 404


# The topic list ------------------------------------------------------------------


@pytest.mark.django_db
def test_tag_list_counts_published_pages_of_every_kind(client):
    treatment = make_treatment(tags=["scars"])
    make_article(tags=["scars", "collagen"], treatments=[treatment])
    make_question(treatment=treatment, tags=["scars"])
    make_article(tags=["scars"], status=Status.DRAFT)
    make_article(tags=["secret"], published_at=timezone.now() + FUTURE)
    body = client.get(reverse("tag-list")).content.decode()
    assert 'scars <span class="tags__count">(3 pages)' in body
    assert 'collagen <span class="tags__count">(1 page)' in body
    assert "secret" not in body


@pytest.mark.django_db
def test_tag_counts_follow_tag_changes_and_scheduled_pages(run_commit_hooks):
    from clinic.publishing import published_tags

    article = make_article(tags=["scars"])
    later = make_article(tags=["scars"], published_at=timezone.now() + FUTURE)
    assert [(t.slug, t.uses) for t in published_tags()] == [("scars", 1)]
    article.tags.add("collagen")
    assert [(t.slug, t.uses) for t in published_tags()] == [
        ("collagen", 1),
        ("scars", 1),
    ]
    with mock.patch("django.utils.timezone.now", return_value=later.published_at):
        assert [(t.slug, t.uses) for t in published_tags()] == [
            ("collagen", 1),
            ("scars", 2),
        ]


@pytest.mark.django_db
def test_tag_counts_cost_one_query_per_kind_and_none_once_counted(no_page_cache):
    from clinic.publishing import published_tags

    for n in range(5):
        make_article(tags=[f"topic-{n}", "shared"])
    published_tags()  # content types and the next publish time, as on a live site
    caching.cache().delete("pagecache:value:published-tags")
    with CaptureQueriesContext(connection) as counting:
        published_tags()
    with CaptureQueriesContext(connection) as reading:
        published_tags()
    assert len(counting) == 4  # treatments, articles, questions, then the tags
    assert len(reading) == 0
