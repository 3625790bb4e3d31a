"""`manage.py import_sources`: the summary, the exit status, and the bundled sources."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from articles.models import Article, Treatment
from faq.models import Question

pytestmark = pytest.mark.django_db

CHROME = [
    "Post a Comment",
    "BELLEMOCHA",
    "Theme by STS",
    "Get updated with beauty resources",
    "Skin Care\n",
]


def import_sources(*args):
    out = io.StringIO()
    call_command("import_sources", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_bundled_sources_import_as_the_issue_describes():
    output = import_sources()
    assert output.startswith("5 documents: 5 created, 0 updated, 0 unchanged")

    articles = list(Article.objects.all())
    assert len(articles) == 5
    for article in articles:
        for chrome in CHROME:
            assert chrome not in article.title + "\n" + article.body + "\n"

    treatments = Treatment.objects.prefetch_related("facts", "contraindications")
    assert sorted(t.slug for t in treatments) == ["microdermabrasion", "microneedling"]
    for treatment in treatments:
        assert treatment.summary
        assert treatment.facts.all()
        for fact in treatment.facts.all():
            assert fact.source is not None and fact.quote
    peel = Treatment.objects.get(slug="microdermabrasion").contraindications.get(
        condition="Chemical peel within the last 14 days"
    )
    assert peel.source.file_name.startswith("000_") and "14 days" in peel.quote

    questions = list(Question.objects.order_by("position"))
    assert len(questions) == 10
    assert all(q.treatment.slug == "microdermabrasion" for q in questions)
    misspelt = re.compile(r"Micoderm|Dermabration|Derma Brasion|Microdermal|basion")
    assert not any(misspelt.search(q.question) for q in questions)

    again = import_sources()
    assert again.startswith("5 documents: 0 created, 0 updated, 5 unchanged")


def test_summary_lists_corrections_drops_and_warnings():
    output = import_sources()
    assert '"Micodermabrasion" -> "Microdermabrasion" (title)' in output
    assert 'dropped repeated section "Conclusion"' in output
    assert "warning: missing list" in output


def test_folder_and_file_arguments(tmp_path):
    (tmp_path / "a.txt").write_text("First Title\n\nMicroneedling helps.")
    single = tmp_path / "elsewhere.txt"
    single.write_text("Second Title\n\nMicrodermabrasion helps.")
    output = import_sources(str(tmp_path / "a.txt"), str(single))
    assert output.startswith("2 documents: 2 created")


def test_exit_status_is_non_zero_when_a_document_failed(tmp_path):
    (tmp_path / "good.txt").write_text("Good Title\n\nText.")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    out = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("import_sources", str(tmp_path), stdout=out)
    assert excinfo.value.code == 1
    output = out.getvalue()
    assert "empty.txt: failed: empty file" in output
    assert "binary.txt: failed: contains NUL bytes" in output
    assert "good.txt: created" in output
    assert Article.objects.count() == 1


def test_exit_status_is_zero_with_only_skips(tmp_path):
    (tmp_path / "notes.md").write_text("# not a source")
    (tmp_path / "good.txt").write_text("Good Title\n\nText.")
    output = import_sources(str(tmp_path))
    assert "notes.md: skipped: not a .txt file" in output


def test_dry_run_writes_nothing():
    output = import_sources("--dry-run")
    assert output.startswith("Dry run, nothing written: 5 documents: 5 created")
    assert not Article.objects.exists()


def test_publish_option_publishes():
    import_sources("--publish", str(settings.CLINIC_SOURCES_DIR))
    assert Article.objects.published().count() == 5
    assert import_sources("--publish").startswith(
        "5 documents: 0 created, 0 updated, 5 unchanged"
    )


def test_progress_bar_goes_to_stderr_only_when_asked(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nText.")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_sources", str(tmp_path), stdout=out, stderr=err)
    assert err.getvalue() == ""
    call_command(
        "import_sources", str(tmp_path), "--progress=always", stdout=out, stderr=err
    )
    assert "1/1 documents" in err.getvalue()
