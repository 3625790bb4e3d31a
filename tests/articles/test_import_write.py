"""The writer: idempotent, transactional, and never overwriting a staff edit."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType

from articles.importer import run as run_module
from articles.importer.run import Document, collect, run_import
from articles.importer.write import Writer, fingerprint
from articles.models import Article, Contraindication, Source, Treatment, TreatmentFact
from clinic.editorial.checks import run_checks
from clinic.editorial.models import ContentCheck
from clinic.publishing import Status
from clinic.rendering import render_markdown
from faq.models import Question

pytestmark = pytest.mark.django_db

DOC = """\
Microdermabrasion for Acne Scars

Microdermabrasion is a gentle exfoliation that helps acne scars fade.

Frequently Asked Questions

Q: How many microdermabration sessions do I need?
A: Best results come after 6 to 12 professional sessions.

Q: Can I have it after a chemical peel?
A: You should not have microdermabrasion if you had a chemical peel in the last \
14 days because the skin needs to recover.
"""


def run(text=DOC, name="doc.txt", **options):
    return run_import([Document(name, data=text.encode())], **options)


def test_import_creates_article_questions_treatment_and_facts():
    report = run()
    assert report.outcomes["created"] == 1
    article = Article.objects.get()
    assert article.title == "Microdermabrasion for Acne Scars"
    assert article.status == Status.DRAFT
    assert list(article.treatments.values_list("slug", flat=True)) == [
        "microdermabrasion"
    ]
    questions = list(Question.objects.order_by("position"))
    assert [q.question for q in questions] == [
        "How many microdermabrasion sessions do I need?",
        "Can I have it after a chemical peel?",
    ]
    assert all(q.article == article for q in questions)
    assert all(q.treatment.slug == "microdermabrasion" for q in questions)
    fact = TreatmentFact.objects.get(kind="sessions")
    assert fact.value == "6 to 12 sessions"
    assert fact.source == Source.objects.get(file_name="doc.txt")
    assert "6 to 12 professional sessions" in fact.quote
    assert Contraindication.objects.get().condition == (
        "Chemical peel within the last 14 days"
    )


def test_every_imported_row_carries_provenance():
    run()
    source = Source.objects.get()
    rows = [*Article.objects.all(), *Question.objects.all(), *Treatment.objects.all()]
    for row in rows:
        assert row.source_name == "doc.txt"
        assert row.source_hash == source.content_hash
        assert row.imported_at is not None
        assert row.parser_version
        assert row.import_fingerprint


def test_corrections_are_kept_on_the_row_for_the_editor():
    run()
    question = Question.objects.get(position=1)
    assert question.import_notes["corrections"] == [
        '"microdermabration" -> "microdermabrasion" (question 1)'
    ]
    treatment = Treatment.objects.get()
    assert "microdermabration" in treatment.synonyms.splitlines()


def test_second_run_changes_nothing():
    run()
    before = {a.pk: a.updated_at for a in Article.objects.all()}
    report = run()
    assert report.outcomes["unchanged"] == 1
    assert report.outcomes["created"] == report.outcomes["updated"] == 0
    assert {a.pk: a.updated_at for a in Article.objects.all()} == before
    assert Question.objects.count() == 2
    assert TreatmentFact.objects.count() == 1


def test_changed_source_updates_rows_nobody_edited():
    run()
    report = run(DOC.replace("gentle exfoliation", "gentle, clinic-grade exfoliation"))
    assert report.outcomes["updated"] == 1
    assert "clinic-grade" in Article.objects.get().body


def test_staff_edit_is_never_overwritten_and_is_reported_as_conflict():
    run()
    article = Article.objects.get()
    article.body = "Rewritten by the clinic's editor."
    article.save()
    report = run(DOC.replace("gentle exfoliation", "changed exfoliation"))
    assert report.outcomes["conflict"] == 1
    article.refresh_from_db()
    assert article.body == "Rewritten by the clinic's editor."
    assert "edited since the last import" in article.import_conflict
    assert any("conflict" in line for line in report.lines())


def test_staff_edit_stands_when_the_source_did_not_change():
    run()
    question = Question.objects.get(position=1)
    question.answer = "Ask us: it depends on your skin."
    question.save()
    report = run()
    assert report.outcomes["unchanged"] == 1
    question.refresh_from_db()
    assert question.answer == "Ask us: it depends on your skin."
    assert question.import_conflict == ""


def test_edited_facts_are_not_replaced():
    run()
    TreatmentFact.objects.update(value="8 sessions, says our doctor")
    report = run(DOC.replace("6 to 12", "5 to 10"))
    assert report.outcomes["conflict"] == 1
    assert TreatmentFact.objects.get().value == "8 sessions, says our doctor"


def test_failed_document_leaves_nothing_and_others_still_import(monkeypatch):
    original = Writer._questions

    def explode(self, document, *args):
        if document.name == "bad.txt":
            raise RuntimeError("disk on fire")
        return original(self, document, *args)

    monkeypatch.setattr(Writer, "_questions", explode)
    report = run_import(
        [
            Document("bad.txt", data=DOC.encode()),
            Document("good.txt", data=DOC.replace("Acne", "Body").encode()),
        ]
    )
    assert report.outcomes["failed"] == 1
    assert report.outcomes["created"] == 1
    assert "bad.txt: failed: RuntimeError: disk on fire" in report.lines()
    assert not Source.objects.filter(file_name="bad.txt").exists()
    assert not Article.objects.filter(source_name="bad.txt").exists()
    assert list(Article.objects.values_list("source_name", flat=True)) == ["good.txt"]


def test_interrupted_run_keeps_committed_batches_and_the_next_run_completes(
    monkeypatch,
):
    monkeypatch.setattr(run_module, "BATCH_DOCUMENTS", 1)
    original = Writer._questions
    calls = []

    def interrupt(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(Writer, "_questions", interrupt)
    documents = [Document(f"{n}.txt", data=DOC.encode()) for n in "ab"]
    with pytest.raises(KeyboardInterrupt):
        run_import(documents)
    assert Article.objects.count() == 1
    monkeypatch.setattr(Writer, "_questions", original)
    report = run_import(documents)
    assert report.outcomes == {**report.outcomes, "created": 1, "unchanged": 1}
    assert Article.objects.count() == 2


def test_interrupted_batch_leaves_nothing_half_written(monkeypatch):
    documents = [Document(f"{n}.txt", data=DOC.encode()) for n in "ab"]
    real_write = Writer._write
    written = []

    def write_then_interrupt(self, *args):
        written.append(args[0].name)
        if len(written) == 2:
            raise KeyboardInterrupt
        return real_write(self, *args)

    monkeypatch.setattr(Writer, "_write", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_import(documents)
    # The first document was written, but in the same batch as the second.
    assert written == ["a.txt", "b.txt"]
    assert not Article.objects.exists()
    assert not Source.objects.exists()


def test_a_batch_that_cannot_commit_fails_its_documents_with_the_reason(
    monkeypatch,
):
    from django.db import OperationalError

    class Locked:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            if exc[0] is None:
                raise OperationalError("database is locked")

    monkeypatch.setattr(run_module.search_index, "batched", Locked)
    documents = [Document(f"{n}.txt", data=DOC.encode()) for n in "ab"]
    report = run_import(documents)
    assert report.outcomes["failed"] == 2
    assert all("database is locked" in r.reason for r in report.results)
    assert report.failed
    assert not Article.objects.exists()


def test_parsing_in_worker_processes_gives_the_same_rows(run_commit_hooks):
    documents = [
        Document(f"{n}.txt", data=DOC.replace("Stretch", f"Stretch {n}").encode())
        for n in "abcdef"
    ]
    report = run_import(documents, workers=2)
    assert report.outcomes["created"] == 6
    assert Article.objects.count() == 6
    # The workers rendered the Markdown; it is what a save renders.
    for article in Article.objects.all():
        assert article.body_html == render_markdown(article.body)
    for question in Question.objects.all():
        assert question.answer_html == render_markdown(question.answer)
    # ... and worked out the claims checks, as the writing process would have.
    for page in [*Article.objects.all(), *Question.objects.all()]:
        findings, scores = run_checks(page)
        check = ContentCheck.objects.get(
            content_type=ContentType.objects.get_for_model(page), object_id=page.pk
        )
        assert check.claims == [f.as_dict() for f in findings]
        assert check.reading_ease == (scores.reading_ease if scores else None)
    assert run_import(documents, workers=0).outcomes["unchanged"] == 6


def test_dry_run_writes_nothing_but_reports_what_it_would_do():
    report = run(dry_run=True)
    assert report.outcomes["created"] == 1
    assert report.headline().startswith("Dry run")
    for model in (Article, Question, Treatment, TreatmentFact, Source):
        assert not model.objects.exists()


def test_publish_publishes_new_rows_only_once():
    run(publish=True)
    article = Article.objects.get()
    assert article.is_published
    assert all(q.status == Status.PUBLISHED for q in Question.objects.all())
    article.status = Status.DRAFT  # a publisher takes it down
    article.save()
    report = run(publish=True)
    assert report.outcomes["unchanged"] == 1
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_publish_publishes_an_earlier_draft_import_nobody_touched():
    run()
    report = run(publish=True)
    assert report.outcomes["updated"] == 1
    assert Article.objects.get().is_published


def test_question_removed_from_source_is_deleted_while_an_untouched_draft():
    run()
    shorter = DOC.split("Q: Can I")[0]
    report = run(shorter)
    assert report.outcomes["updated"] == 1
    assert Question.objects.count() == 1


def test_markup_in_a_source_is_never_live():
    run("Title\n\n<script>alert(1)</script> <img src=x onerror=alert(2)>")
    article = Article.objects.get()
    assert "<script" not in article.body_html
    assert "<img" not in article.body_html
    assert "&lt;script&gt;" in article.body_html
    assert "onerror=alert(2)" in article.body_html  # shown as text


def test_symlink_outside_the_folder_is_not_followed(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret Title\n\nNot for import.")
    (folder / "link.txt").symlink_to(outside)
    (folder / "real.txt").write_text(DOC)
    report = run_import(collect([folder]))
    assert report.outcomes["skipped"] == 1
    assert any("link.txt: skipped: symlink" in line for line in report.lines())
    assert list(Article.objects.values_list("source_name", flat=True)) == ["real.txt"]


@pytest.mark.django_db
def test_bundled_treatments_say_what_they_help_with_how_they_are_done_and_aftercare():
    from django.conf import settings
    from django.core.management import call_command

    from articles.models import Treatment

    call_command("import_sources", str(settings.CLINIC_SOURCES_DIR), stdout=None)
    for treatment in Treatment.objects.all():
        assert "<h2>How it is done</h2>" in treatment.body_html
        assert "<h2>What it can help with</h2>" in treatment.body_html
    assert Treatment.objects.get(slug="microneedling").aftercare_html.startswith("<ul>")


def _imported_content():
    """Everything an import leaves, keyed and valued without primary keys or the
    time of the run, so two imports of the same documents compare equal."""
    from django.db.models import ForeignKey, ManyToManyField
    from taggit.managers import TaggableManager

    from clinic.editorial.models import Revision
    from clinic.search.index import kind_of
    from clinic.search.models import SearchEntry

    def natural(model, pk):
        obj = model._default_manager.get(pk=pk)
        return getattr(obj, "slug", None) or getattr(obj, "file_name", None) or pk

    timely = {"id", "created_at", "updated_at", "imported_at", "published_at"}
    content = {}
    for model in (Treatment, Article, Question):
        fields = {f.name: f for f in model._meta.get_fields() if f.concrete}
        for page in model.objects.all():
            values = {}
            for name, f in fields.items():
                if name in timely:
                    continue
                if isinstance(f, TaggableManager):
                    values[name] = sorted(page.tags.names())
                elif isinstance(f, ManyToManyField):
                    related = getattr(page, name).all()
                    values[name] = sorted(
                        natural(f.related_model, o.pk) for o in related
                    )
                elif isinstance(f, ForeignKey):
                    pk = getattr(page, f.attname)
                    values[name] = pk and natural(f.related_model, pk)
                elif name == "import_conflict":
                    # Says when the run was: not part of what is compared.
                    values[name] = re.sub(
                        r"\d{4}-\d\d-\d\d \d\d:\d\d", "", page.import_conflict
                    )
                else:
                    values[name] = getattr(page, f.attname)
            if model is Question:
                # Its fingerprint hashes the treatment's primary key: compare
                # whether it matches the row, as a re-import does.
                values["import_fingerprint"] = page.import_fingerprint == fingerprint(
                    Writer._row_question_values(page)
                )
            ct = ContentType.objects.get_for_model(model)
            revisions = []
            for revision in Revision.objects.filter(content_type=ct, object_id=page.pk):
                data = dict(revision.data)
                for name, value in data.items():
                    f = fields.get(name)
                    if isinstance(f, ManyToManyField) and name != "tags":
                        data[name] = sorted(
                            natural(f.related_model, pk) for pk in value
                        )
                    elif isinstance(f, ForeignKey) and value:
                        data[name] = natural(f.related_model, value)
                for name in timely:
                    data.pop(name, None)
                revisions.append((revision.number, revision.origin, data))
            values["revisions"] = revisions
            values["check"] = list(
                ContentCheck.objects.filter(content_type=ct, object_id=page.pk).values(
                    "claims", "claims_count", "reading_ease", "grade"
                )
            )
            values["search"] = list(
                SearchEntry.objects.filter(kind=kind_of(model), object_id=page.pk)
                .values("names", "title", "tags", "body", "facets", "url")
            )  # fmt: skip
            content[(model.__name__, page.slug)] = values
    for model in (TreatmentFact, Contraindication):
        content[model.__name__] = sorted(
            (row.treatment.slug, row.source.file_name,
             *(str(v) for k, v in vars(row).items()
               if k not in {"_state", "id", "treatment_id", "source_id"}))
            for row in model.objects.all()
        )  # fmt: skip
    content["sources"] = sorted(
        Source.objects.values_list("file_name", "title", "content_hash", "size")
    )
    return content


def test_new_documents_written_together_give_the_same_rows_as_one_by_one(
    monkeypatch, settings, run_commit_hooks
):
    from pathlib import Path

    from taggit.models import Tag

    from clinic.editorial.models import Revision

    documents = collect(
        [settings.CLINIC_SOURCES_DIR, Path(__file__).parent.parent / "data"]
    )
    together = []
    real = Writer._write_new

    def spy(self, items, results):
        together.append(len(items))
        return real(self, items, results)

    monkeypatch.setattr(Writer, "_write_new", spy)
    report = run_import(documents, publish=True)
    assert report.failed == 0
    # Every document went through the path under test, in one go.
    assert together == [len(documents)]
    first = _imported_content()
    assert first[("Treatment", "microdermabrasion")]["revisions"]
    assert all(v["import_fingerprint"] for k, v in first.items() if k[0] == "Question")

    for model in (Article, Question, Treatment, Source, Tag, Revision, ContentCheck):
        model.objects.all().delete()
    monkeypatch.setattr(
        Writer, "write_new", lambda self, items: [self.write(*item) for item in items]
    )
    report = run_import(documents, publish=True)
    assert report.failed == 0
    assert together == [len(documents)]
    assert _imported_content() == first


def test_a_batch_re_imports_changed_documents_as_one_at_a_time_would(
    monkeypatch, settings, run_commit_hooks
):
    """Documents of one batch share the treatments and facts they read; the
    result must not depend on how documents are grouped into batches."""
    from pathlib import Path

    from taggit.models import Tag

    from clinic.editorial.models import Revision

    def documents(changed):
        found = collect(
            [settings.CLINIC_SOURCES_DIR, Path(__file__).parent.parent / "data"]
        )
        for document in found:
            document.data = document.path.read_bytes()
            if changed:
                document.data = (
                    document.data.replace(b"6 to 12", b"5 to 10")
                    .replace(b"3 to 6 sessions", b"4 to 8 sessions")
                    .replace(b"Q. Does a derma roller hurt?", b"Q. Does it sting?")
                    .replace(b"14 days", b"21 days")
                )
        # b cites no facts while a has them: when a's change drops a fact, b's
        # copy of it is cited next, in the same batch or the next one.
        changed_a = DOC.replace("6 to 12", "5 to 10") if changed else DOC
        return [
            *found,
            Document("zz-a.txt", data=changed_a.encode()),
            Document("zz-b.txt", data=DOC.replace("Acne", "Body").encode()),
        ]

    def import_twice(batch_documents):
        monkeypatch.setattr(run_module, "BATCH_DOCUMENTS", batch_documents)
        run_import(documents(False), publish=True)
        # Staff edit a question between the imports.
        Question.objects.filter(slug__startswith="how-many-microdermabrasion-t").update(
            answer="Edited."
        )
        report = run_import(documents(True), publish=True)
        content = _imported_content()
        for values in content.values():
            if isinstance(values, dict):
                del values["revisions"]  # one per page per batch
        for model in (Article, Question, Treatment, Source, Tag, Revision):
            model.objects.all().delete()
        ContentCheck.objects.all().delete()
        return report.outcomes, content

    outcomes, together = import_twice(100)
    assert outcomes["updated"] and outcomes["conflict"]
    assert import_twice(1) == (outcomes, together)


def test_a_document_with_nothing_new_for_a_treatment_leaves_it_unsaved():
    run()
    treatment = Treatment.objects.get()
    report = run(name="copy.txt")
    assert report.results[0].rows[("treatment", "unchanged")] == 1
    assert Treatment.objects.get().updated_at == treatment.updated_at


def test_run_import_leaves_the_garbage_collector_as_it_found_it(monkeypatch):
    import gc

    run()
    assert gc.get_freeze_count() == 0

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Writer, "_write", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(name="other.txt")
    assert gc.get_freeze_count() == 0
    # Objects something else froze (an app server before forking) stay frozen.
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 1000)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    assert run(name="third.txt").outcomes["created"] == 1
    assert calls == []
