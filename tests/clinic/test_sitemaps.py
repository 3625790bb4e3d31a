import xml.etree.ElementTree as ET
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.publishing import Status
from tests.factories import make_article, make_question, make_treatment

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def clinic_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "clinic.example.org"]
    return "clinic.example.org"


def index(client, **extra):
    """The sitemap URLs /sitemap.xml lists."""
    response = client.get(reverse("sitemap"), **extra)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [entry.find(f"{NS}loc").text for entry in root.findall(f"{NS}sitemap")]


def sitemap(client, **extra):
    """{page URL: lastmod} over every sitemap the index lists."""
    urls = {}
    for loc in index(client, **extra):
        parts = urlsplit(loc)
        response = client.get(parts.path, dict(parse_qsl(parts.query)), **extra)
        assert response.status_code == 200, loc
        for url in ET.fromstring(response.content).findall(f"{NS}url"):
            lastmod = getattr(url.find(f"{NS}lastmod"), "text", None)
            urls[url.find(f"{NS}loc").text] = lastmod
    return urls


@pytest.mark.django_db
def test_every_url_in_the_sitemap_answers_200_on_the_request_host(client, clinic_host):
    treatment = make_treatment(tags=["scars"])
    make_article(tags=["collagen"], treatments=[treatment])
    make_question(treatment=treatment, tags=["pain"])
    urls = sitemap(client, HTTP_HOST=clinic_host)
    assert len(urls) == 5 + 1 + 1 + 3  # sections, treatment, article, topics
    for loc in urls:
        parts = urlsplit(loc)
        assert parts.netloc == clinic_host
        assert client.get(parts.path, HTTP_HOST=clinic_host).status_code == 200, loc


@pytest.mark.django_db
def test_the_index_lists_one_sitemap_per_section_on_the_request_host(
    client, clinic_host
):
    make_treatment()
    assert index(client, HTTP_HOST=clinic_host) == [
        f"http://{clinic_host}/sitemap-{section}.xml"
        for section in ["sections", "treatments", "articles", "topics"]
    ]


@pytest.mark.django_db
def test_a_section_over_its_limit_is_split_into_pages_the_index_lists(
    client, monkeypatch
):
    from clinic.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article(title=f"Article {n}") for n in range(5)]
    listed = index(client)
    pages = [loc for loc in listed if "/sitemap-articles.xml" in loc]
    assert pages == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    urls = sitemap(client)
    for article in articles:
        assert f"http://testserver{article.get_absolute_url()}" in urls
    assert client.get("/sitemap-articles.xml", {"p": 4}).status_code == 404


@pytest.mark.django_db
def test_an_unknown_section_or_page_is_a_404_not_an_error(client):
    make_article()
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "x"}).status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": 2}).status_code == 404


@pytest.mark.django_db
def test_sitemap_leaves_out_drafts_scheduled_pages_and_their_tags(client):
    make_treatment(title="Live")
    make_treatment(title="Draft", status=Status.DRAFT, tags=["secret"])
    make_article(
        title="Soon", published_at=timezone.now() + timedelta(days=1), tags=["soon"]
    )
    urls = " ".join(sitemap(client))
    assert "/treatments/live/" in urls
    assert "/treatments/draft/" not in urls
    assert "/articles/soon/" not in urls
    assert "/tags/secret/" not in urls
    assert "/tags/soon/" not in urls


@pytest.mark.django_db
def test_sitemap_lastmod_is_the_later_of_last_edit_and_last_review(client):
    future_review = timezone.localdate() + timedelta(days=2)
    reviewed = make_treatment(title="Reviewed", reviewed_date=future_review)
    edited = make_treatment(title="Edited", reviewed_date=date(2020, 1, 1))
    urls = sitemap(client)
    assert urls[f"http://testserver{reviewed.get_absolute_url()}"].startswith(
        future_review.isoformat()
    )
    lastmod = urls[f"http://testserver{edited.get_absolute_url()}"]
    assert lastmod.startswith(timezone.localdate(edited.updated_at).isoformat())


@pytest.mark.django_db
def test_sitemap_xml_is_what_djangos_sitemap_template_writes(client, rf):
    from django.contrib.sitemaps.views import sitemap as django_sitemap

    from clinic.sitemaps import sitemaps

    treatment = make_treatment(tags=["scars"], reviewed_date=date(2031, 1, 2))
    make_article(title="A & B <c>", tags=["collagen"], treatments=[treatment])
    make_question(treatment=treatment, tags=["pain"])

    def entries(content):
        return [
            [(child.tag, child.text) for child in url]
            for url in ET.fromstring(content).findall(f"{NS}url")
        ]

    count = 0
    for section in sitemaps:
        path = reverse("sitemap-section", args=[section])
        ours = client.get(path)
        theirs = django_sitemap(rf.get(path), sitemaps, section=section).render()
        assert entries(ours.content) == entries(theirs.content)
        assert ours["Content-Type"] == theirs["Content-Type"]
        count += len(entries(ours.content))
    assert count == 10
