import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from clinic.publishing import Status
from tests.clinic.test_views import hidden_variants
from tests.factories import make_article

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def clinic_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "clinic.example.org"]
    return "clinic.example.org"


def entries(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # well-formed XML or this raises
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    return feed.findall(f"{ATOM}entry")


@pytest.mark.django_db
def test_site_feed_is_atom_with_published_articles_on_the_request_host(
    client, clinic_host
):
    make_article(title="Live article", tags=["scars"])
    for article in hidden_variants(make_article):
        article.title = "Hidden article"
        article.save()
    (entry,) = entries(client, reverse("article-feed"), HTTP_HOST=clinic_host)
    assert entry.find(f"{ATOM}title").text == "Live article"
    link = entry.find(f"{ATOM}link").get("href")
    assert link.startswith(f"http://{clinic_host}/articles/")
    assert entry.find(f"{ATOM}updated").text
    assert entry.find(f"{ATOM}category").get("term") == "scars"


@pytest.mark.django_db
def test_tag_feed_lists_only_published_articles_with_that_tag(client):
    make_article(title="About scars", tags=["scars"])
    make_article(title="About peels", tags=["peels"])
    make_article(title="Draft about scars", tags=["scars"], status=Status.DRAFT)
    found = entries(client, reverse("tag-feed", args=["scars"]))
    assert [e.find(f"{ATOM}title").text for e in found] == ["About scars"]


@pytest.mark.django_db
def test_feed_of_an_unknown_tag_is_404(client):
    assert client.get(reverse("tag-feed", args=["nothing"])).status_code == 404
