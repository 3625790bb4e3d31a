import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, Treatment
from clinic.editorial.models import Revision
from clinic.editorial.revisions import (
    record_revision,
    related_pks,
    revision_actor,
    snapshot,
    tag_names,
    tracked_fields,
)
from tests.clinic.test_admin import article_form, change_url
from tests.factories import make_article, make_treatment


def revisions(obj):
    return list(Revision.objects.for_object(obj).order_by("number"))


@pytest.mark.django_db
def test_every_save_keeps_a_revision_with_what_changed():
    article = make_article(title="First title")
    article.title = "Second title"
    article.save()
    first, second = revisions(article)
    assert first.data["title"] == "First title"
    assert second.data["title"] == "Second title"
    assert second.changed_fields == ["title"]


@pytest.mark.django_db
def test_a_save_that_changes_nothing_adds_no_revision():
    article = make_article()
    article.save()
    assert len(revisions(article)) == 1


@pytest.mark.django_db
def test_tag_changes_are_revisions():
    article = make_article()
    article.tags.add("Collagen")
    assert revisions(article)[-1].data["tags"] == ["Collagen"]
    assert revisions(article)[-1].changed_fields == ["tags"]


@pytest.mark.django_db
def test_admin_save_is_one_revision_by_that_user_including_tags(editor_client, editor):
    article = make_article(status="draft")
    before = len(revisions(article))
    response = editor_client.post(
        change_url(article),
        article_form(article, title="Edited in admin", tags="acne, scars"),
    )
    assert response.status_code == 302
    latest = revisions(article)[-1]
    assert len(revisions(article)) == before + 1
    assert latest.user == editor
    assert latest.origin == "admin"
    assert latest.data["title"] == "Edited in admin"
    assert latest.data["tags"] == ["acne", "scars"]
    assert set(latest.changed_fields) == {"title", "tags"}


@pytest.mark.django_db
def test_import_saves_are_attributed_to_the_importer():
    with revision_actor(origin="import"):
        article = make_article()
    assert revisions(article)[0].origin == "import"
    assert revisions(article)[0].author == "importer"


@pytest.mark.django_db
def test_history_compare_shows_both_revisions_side_by_side(publisher_client):
    article = make_article(title="Old title", body="Line one\n\nLine two")
    article.title, article.body = "New title", "Line one\n\nLine three"
    article.save()
    base = change_url(article).replace("change/", "revisions/")
    listing = publisher_client.get(base)
    assert listing.status_code == 200
    assert b"Compare A and B" in listing.content
    page = publisher_client.get(base + "compare/?a=1&b=2").content.decode()
    assert "Old title" in page and "New title" in page
    assert "<del>Line two</del>" in page and "<ins>Line three</ins>" in page


@pytest.mark.django_db
def test_compare_with_missing_revisions_is_404_not_500(publisher_client):
    article = make_article()
    base = change_url(article).replace("change/", "revisions/")
    assert publisher_client.get(base + "compare/?a=1&b=99").status_code == 404
    assert publisher_client.get(base + "compare/?a=x&b=1").status_code == 302


@pytest.mark.django_db
def test_revert_restores_fields_and_tags_and_is_itself_a_revision(publisher_client):
    article = make_article(title="Good title", tags=["acne"])
    good = revisions(article)[-1].number
    article.title = "Mistake"
    article.save()
    article.tags.set(["wrong"])
    url = change_url(article).replace("change/", f"revisions/{good}/revert/")
    assert publisher_client.get(url).status_code == 200  # confirmation page
    assert publisher_client.post(url).status_code == 302
    article.refresh_from_db()
    assert article.title == "Good title"
    assert [t.name for t in article.tags.all()] == ["acne"]
    latest = revisions(article)[-1]
    assert latest.origin == "revert"
    assert latest.reverted_from == good


@pytest.mark.django_db
def test_editor_cannot_revert_a_publish_state_change(editor_client):
    article = make_article(status="draft")
    draft_revision = revisions(article)[-1].number
    article.status = "published"
    article.save()
    url = change_url(article).replace("change/", f"revisions/{draft_revision}/revert/")
    editor_client.post(url)
    article.refresh_from_db()
    assert article.status == "published"


@pytest.mark.django_db
def test_history_page_queries_stay_bounded_with_many_revisions(
    publisher_client, django_assert_max_num_queries
):
    article = make_article()
    for i in range(120):
        article.summary = f"Summary {i}"
        article.save()
    url = change_url(article).replace("change/", "revisions/")
    with django_assert_max_num_queries(12):
        response = publisher_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'name="a"') == 50  # paginated


@pytest.mark.django_db
def test_prune_revisions_keeps_the_newest_of_each_page():
    article, other = make_article(), make_treatment()
    for i in range(30):
        article.summary = f"v{i}"
        article.save()
    Revision.objects.update(created_at=timezone.now() - timezone.timedelta(days=400))
    call_command("prune_revisions", "--keep", "10", "--days", "365")
    kept = revisions(article)
    assert len(kept) == 10
    assert kept[-1].data["summary"] == "v29"
    assert len(revisions(other)) == 1


@pytest.mark.django_db
def test_revision_is_recorded_even_if_the_last_one_was_pruned():
    article = make_article()
    Revision.objects.all().delete()
    assert record_revision(Article.objects.get(pk=article.pk)).number == 1


@pytest.mark.django_db
def test_an_import_keeps_one_revision_per_page_attributed_to_the_importer(tmp_path):
    from faq.models import Question

    source = tmp_path / "doc.txt"
    source.write_text(
        "Microneedling for Scars\n\nMicroneedling uses fine needles to make tiny "
        "wounds that heal with new collagen. Most people need three sessions.\n\n"
        "Frequently Asked Questions\n\nQ: Does it hurt?\n\nA: A numbing cream is "
        "used first, so most people feel only mild discomfort.\n",
        encoding="utf-8",
    )
    call_command("import_sources", str(source), stdout=None)
    article = Article.objects.get()
    question = Question.objects.get()
    for page in (article, question):
        history = revisions(page)
        assert len(history) == 1
        assert history[0].origin == "import"
        assert history[0].data["tags"] == sorted(page.tags.names())


def test_snapshot_values_read_as_a_round_trip_through_json_would():
    import datetime
    import decimal
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from clinic.editorial.revisions import _as_stored

    value = {
        "published_at": datetime.datetime(
            2026, 11, 22, 1, 2, 3, 456789, tzinfo=datetime.UTC
        ),
        "reviewed_date": datetime.date(2026, 1, 31),
        "import_notes": {"facts": {1: "abc"}, "warnings": ("a", "b")},
        "tags": ["acne", "scars"],
        "score": decimal.Decimal("1.50"),
        "position": 3,
        "ratio": 0.25,
        "flag": True,
        "missing": None,
    }
    assert _as_stored(value) == json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def test_tracked_fields_lists_each_field_once():
    for model in (Article, Treatment):
        names = [f.name for f in tracked_fields(model)]
        assert len(names) == len(set(names))
        assert "tags" in names and "sources" not in names


@pytest.mark.django_db
def test_snapshot_from_link_rows_equals_snapshot_from_the_relations():
    treatments = [make_treatment(), make_treatment()]
    article = make_article(tags=["acne", "scars"], treatments=treatments)
    bare = make_article()
    pages = list(Article.objects.filter(pk__in=[article.pk, bare.pk]))
    tags, relations = tag_names(pages), related_pks(pages)
    assert relations["treatments"] == {article.pk: [t.pk for t in treatments]}
    for page in pages:
        assert snapshot(page, tags, relations) == snapshot(page)


@pytest.mark.django_db
def test_a_batch_of_saves_records_relations_as_they_are_at_commit():
    from django.db import transaction

    first, second = make_treatment(), make_treatment()
    with transaction.atomic():
        article = make_article(treatments=[first])
        article.treatments.add(second)
        article.treatments.remove(first)
    assert revisions(article)[-1].data["treatments"] == [second.pk]
