import xml.etree.ElementTree as ET
from datetime import date, timedelta
from urllib.parse import urlsplit

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


def sitemap(client, **extra):
    response = client.get(reverse("sitemap"), **extra)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        url.find(f"{NS}loc").text: getattr(url.find(f"{NS}lastmod"), "text", None)
        for url in root.findall(f"{NS}url")
    }


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
    ours = client.get(reverse("sitemap"))
    theirs = django_sitemap(rf.get(reverse("sitemap")), sitemaps).render()

    def entries(content):
        return [
            [(child.tag, child.text) for child in url]
            for url in ET.fromstring(content).findall(f"{NS}url")
        ]

    assert entries(ours.content) == entries(theirs.content)
    assert len(entries(ours.content)) == 10
    assert ours["Content-Type"] == theirs["Content-Type"]
