"""Issue 5's "done when", on the bundled sources as the importer imports them."""

import io

import pytest
from django.core.management import call_command

from clinic.search import api
from clinic.search.models import SearchEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(db):
    call_command("import_sources", "--publish", stdout=io.StringIO())


def first(text):
    return api.search(text).hits[0].title


@pytest.mark.parametrize(
    "text", ["micodermabrasion", "microderm abrasion", "micro derma brasion"]
)
def test_misspellings_find_the_microdermabrasion_page_first(imported, text):
    assert first(text) == "Microdermabrasion"


@pytest.mark.parametrize("text", ["micro needling", "derma roller"])
def test_other_names_find_the_microneedling_page_first(imported, text):
    assert first(text) == "Microneedling"


def test_stretch_marks_pregnancy_finds_articles_about_pregnancy(imported):
    hits = api.search("stretch marks pregnancy").hits
    assert len(hits) >= 2
    assert all(h.kind == "article" for h in hits)
    assert all("<mark>" in str(h.snippet) for h in hits)
    bodies = SearchEntry.objects.filter(url__in=[h.url for h in hits])
    assert all(
        "pregnan" in body.lower() for body in bodies.values_list("body", flat=True)
    )


def test_unknown_misspelling_is_corrected_with_did_you_mean(imported):
    results = api.search("microneedlling")
    assert results.did_you_mean == "microneedling"
    assert results.hits[0].title == "Microneedling"
