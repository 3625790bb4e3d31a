"""Search behaviour through the one entry point, on whichever database is in use."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.publishing import Status
from clinic.search import api, index
from clinic.search.models import SearchEntry, Synonym, ZeroResultQuery
from tests.factories import make_article, make_question, make_treatment

pytestmark = pytest.mark.django_db


def titles(text, **kwargs):
    return [hit.title for hit in api.search(text, **kwargs).hits]


@pytest.mark.parametrize(
    "text", ["micodermabrasion", "microderm abrasion", "micro derma brasion"]
)
def test_misspellings_put_the_microdermabrasion_page_first(clinic_content, text):
    assert titles(text)[0] == "Microdermabrasion"


@pytest.mark.parametrize("text", ["micro needling", "derma roller", "micro-needling"])
def test_other_names_put_the_microneedling_page_first(clinic_content, text):
    assert titles(text)[0] == "Microneedling"


def test_stretch_marks_pregnancy_finds_the_articles_about_pregnancy(clinic_content):
    found = titles("stretch marks pregnancy")
    assert "Is Micodermabrasion Effective On Stretch Marks?" in found
    assert "Microneedling Stretch Marks" in found
    assert "Understanding Microneedling for Stretch Marks" in found


def test_treatment_name_ranks_the_treatment_page_first(clinic_content):
    assert titles("microneedling")[0] == "Microneedling"
    assert titles("Microdermabrasion")[0] == "Microdermabrasion"


def test_title_match_outranks_tag_match_outranks_body_match(db):
    body = make_article(title="Aftercare", body="Use sunscreen daily. Laser.")
    tag = make_article(title="Healing", body="Rest.", tags=["laser"])
    title = make_article(title="Laser facts", body="Light.")
    assert titles("laser") == [title.title, tag.title, body.title]


def test_ties_are_broken_by_recency(db):
    now = timezone.now()
    old = make_article(title="Peel basics", published_at=now - timedelta(days=9))
    new = make_article(title="Peel basics", published_at=now - timedelta(days=1))
    hits = api.search("peel").hits
    assert [h.url for h in hits] == [new.get_absolute_url(), old.get_absolute_url()]


def test_stemming_finds_other_forms(clinic_content):
    assert "Microdermabrasion" in titles("exfoliations")
    assert "Microneedling" in titles("needle")


def test_accents_fold_both_ways(db):
    make_article(title="Soins du visage", body="Un peeling pour le café au lait.")
    assert titles("cafe") == ["Soins du visage"]
    assert titles("CAFÉ") == ["Soins du visage"]


def test_phrase_in_quotes_needs_the_words_together(db):
    make_article(title="One", summary="", body="Sun damage fades.")
    make_article(title="Two", summary="", body="Damage from the sun.")
    assert titles('"sun damage"') == ["One"]
    assert sorted(titles("sun damage")) == ["One", "Two"]


def test_drafts_and_scheduled_pages_never_appear_even_in_counts(db):
    make_article(title="Retinol live", tags=["retinol"])
    make_article(title="Retinol draft", status=Status.DRAFT, tags=["retinol"])
    make_article(
        title="Retinol scheduled",
        published_at=timezone.now() + timedelta(days=1),
        tags=["retinol"],
    )
    results = api.search("retinol")
    assert [h.title for h in results.hits] == ["Retinol live"]
    assert results.total == 1
    assert results.kind_counts == [("article", "Article", 1)]
    assert results.tag_counts == [("retinol", "retinol", 1)]
    assert api.suggest("Retinol") == [
        {"title": "Retinol live", "url": "/articles/retinol-live/", "kind": "article"}
    ]


def test_scheduled_page_becomes_searchable_at_its_time_without_reindexing(db):
    article = make_article(title="Scheduled peel")
    SearchEntry.objects.filter(object_id=article.pk).update(
        published_at=timezone.now() + timedelta(hours=1)
    )
    assert titles("peel") == []
    SearchEntry.objects.filter(object_id=article.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert titles("peel") == ["Scheduled peel"]


def test_unpublish_publish_and_delete_follow_at_once(db):
    article = make_article(title="Glycolic acid")
    article.status = Status.DRAFT
    article.save()
    assert titles("glycolic") == []
    article.status = Status.PUBLISHED
    article.save()
    assert titles("glycolic") == ["Glycolic acid"]
    article.delete()
    assert titles("glycolic") == []
    assert not SearchEntry.objects.exists()


def test_edits_and_tag_changes_reindex(db):
    article = make_article(title="Peels")
    article.title = "Chemical peels"
    article.save()
    assert titles("chemical") == ["Chemical peels"]
    article.tags.add("Sunburn")
    assert titles("sunburn") == ["Chemical peels"]
    article.tags.remove("Sunburn")
    assert titles("sunburn") == []
    article.tags.add("Sunburn")
    article.tags.clear()
    assert titles("sunburn") == []


def test_tag_rename_reindexes_tagged_pages(db):
    from taggit.models import Tag

    make_article(title="Peels", tags=["sunburn"])
    tag = Tag.objects.get(name="sunburn")
    tag.name = "Sun damage"
    tag.save()
    assert titles("damage") == ["Peels"]


def test_faq_questions_are_searched_by_question_and_answer(clinic_content):
    assert "Does Micro Derma Brasion Help For Young People?" in titles("young people")
    results = api.search("redness hours", kind="question")
    assert [h.kind for h in results.hits] == ["question"]


def test_treatment_synonyms_from_the_importer_are_its_names(db):
    make_treatment(title="Chemical peel", synonyms="acid peel\nchemical peeling")
    make_article(title="Acid peel aftercare", body="Acid peel at home.")
    assert titles("acid peel")[0] == "Chemical peel"
    assert "Acid peel aftercare" in titles("chemical peel")


def test_staff_synonyms_apply_at_once(db):
    make_article(title="Striae explained", body="Striae distensae.")
    assert "Striae explained" in titles("stretch marks")
    Synonym.objects.create(terms="lines\nwrinkles")
    make_article(title="Wrinkles", body="Creases.")
    assert titles("lines") == ["Wrinkles"]


def test_synonym_edit_and_delete_are_seen_by_the_next_search(db):
    make_article(title="Wrinkles", body="Creases.")
    synonym = Synonym.objects.create(terms="lines\nfolds")
    assert titles("lines") == []  # the parsed groups are now remembered
    synonym.terms = "lines\nwrinkles"
    synonym.save()
    assert titles("lines") == ["Wrinkles"]
    synonym.delete()
    assert titles("lines") == []


def test_scheduled_treatment_names_become_synonyms_when_it_goes_live(db):
    treatment = make_treatment(title="Chemical peel", synonyms="acid peel")
    make_article(title="Acid peel aftercare", body="At home.")
    entry = SearchEntry.objects.filter(object_id=treatment.pk, kind="treatment")
    entry.update(published_at=timezone.now() + timedelta(hours=1))
    assert titles("chemical peel") == []
    entry.update(published_at=timezone.now() - timedelta(seconds=1))
    assert titles("chemical peel") == ["Chemical peel", "Acid peel aftercare"]


def test_treatment_rename_changes_its_synonyms_at_once(db):
    treatment = make_treatment(title="Chemical peel", synonyms="acid peel")
    make_article(title="Acid peel aftercare", body="At home.")
    make_article(title="Glycolic facts", body="Glycolic acid.")
    assert "Acid peel aftercare" in titles("chemical peel")
    treatment.synonyms = "glycolic"
    treatment.save()
    assert titles("chemical peel") == ["Chemical peel", "Glycolic facts"]


def test_did_you_mean_offers_the_close_known_word(clinic_content):
    results = api.search("microneedlng scars")
    assert results.did_you_mean == "microneedling scars"
    assert results.hits[0].title == "Microneedling"
    assert api.search("microneedling").did_you_mean == ""


def test_snippets_highlight_matches_and_escape_content(db):
    make_article(
        title="Unsafe", body='Scars <img src=x onerror="alert(1)"> & <b>scars</b>.'
    )
    snippet = str(api.search("scars").hits[0].snippet)
    assert "<mark>" in snippet
    assert "<img" not in snippet and "<b>" not in snippet
    assert "&lt;b&gt;" in snippet or "alert" not in snippet


def test_highlight_escapes_everything_but_its_own_markers():
    html = api.highlight('<script>"x"</script> \x01scar\x02 & \x01open')
    assert str(html) == (
        "&lt;script&gt;&quot;x&quot;&lt;/script&gt; <mark>scar</mark> &amp; "
        "<mark>open</mark>"
    )


def test_filter_by_kind_and_tag_with_counts(clinic_content):
    results = api.search("stretch marks")
    kinds = {value: count for value, _, count in results.kind_counts}
    assert kinds["article"] == 5 and kinds["treatment"] == 2
    tags = {slug: count for slug, _, count in results.tag_counts}
    assert tags["pregnancy"] == 3
    by_tag = api.search("stretch marks", tag="pregnancy")
    assert by_tag.total == 3
    assert {v: c for v, _, c in by_tag.kind_counts} == {"article": 3}
    by_kind = api.search("stretch marks", kind="treatment")
    assert {h.kind for h in by_kind.hits} == {"treatment"}
    assert {s: c for s, _, c in by_kind.tag_counts} == {"exfoliation": 1, "collagen": 1}
    assert api.search("stretch marks", kind="bogus").total == results.total


def test_results_are_paginated(db):
    for i in range(23):
        make_article(title=f"Laser note {i}")
    pages = [api.search("laser", page=p) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 3]
    assert pages[0].total == 23 and pages[0].pages == 3
    seen = [h.url for p in pages for h in p.hits]
    assert len(set(seen)) == 23
    assert api.search("laser", page=99).page == 1


def test_zero_result_searches_are_counted_normalised(db):
    api.search("Xylophone  Therapy!")
    api.search("xylophone therapy")
    row = ZeroResultQuery.objects.get()
    assert (row.query, row.count) == ("xylophone therapy", 2)


def test_suggest_returns_titles_starting_with_the_prefix(clinic_content):
    found = [s["title"] for s in api.suggest("micro")]
    assert found[:2] == ["Microdermabrasion", "Microneedling"]
    assert all(title.lower().startswith("micro") for title in found)
    assert api.suggest("m") == []
    assert api.suggest("100%_") == []


def test_rebuild_restores_the_same_index(clinic_content):
    before = titles("stretch marks")
    SearchEntry.objects.all().delete()
    assert titles("stretch marks") == []
    assert index.rebuild() == 9
    assert titles("stretch marks") == before


@pytest.mark.postgres
def test_rebuild_leaves_no_gin_pending_list_for_searches_to_scan(clinic_content):
    from django.db import connection

    from clinic.search import postgres

    index.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(%s::regclass)", [postgres.MATCH_INDEX]
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.postgres
def test_match_table_is_scanned_without_parallel_workers(db):
    from django.db import connection

    from clinic.search import postgres

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [postgres.DOC]
        )
        assert "parallel_workers=0" in cursor.fetchone()[0]


def test_rebuild_skips_drafts_and_keeps_scheduled(db):
    make_article(title="Draft", status=Status.DRAFT)
    make_question(published_at=timezone.now() + timedelta(days=2))
    assert index.rebuild() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "text", ["stretch marks", '"stretch marks" pregnancy', "microneedling scars"]
)
def test_rare_and_dense_query_plans_find_the_same_results(
    clinic_content, monkeypatch, text
):
    from django.db import connection

    from clinic.search import postgres

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {postgres.DOC}")  # reltuples > 0: the choice can go
    found = []
    for share in (0, 10**9):  # never rare, always rare
        monkeypatch.setattr(postgres, "RARE_SHARE", share)
        for kwargs in ({}, {"kind": "article"}, {"tag": "pregnancy"}):
            results = api.search(text, **kwargs)
            found.append(
                ([h.url for h in results.hits], results.total, results.kind_counts,
                 results.tag_counts)
            )  # fmt: skip
    assert found[:3] == found[3:] and found[0][0]


def test_suggest_gives_the_first_titles_in_order_when_many_match(db):
    words = ["delta", "alpha", "echo", "bravo", "kilo", "golf", "hotel", "india"]
    words += ["juliet", "charlie", "foxtrot"]
    for word in words:
        make_article(title=f"Peel {word}")
    make_treatment(title="Peel treatment")
    found = [s["title"] for s in api.suggest("peel")]
    assert found == ["Peel treatment"] + [f"Peel {w}" for w in sorted(words)[:7]]
