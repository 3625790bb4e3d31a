"""
The writer: a `ParsedDocument` into articles, FAQ questions, treatments, facts and
contraindications, idempotently, each document all or nothing (its own transaction,
or its own savepoint inside the batch transaction `run_import` opens).

The conflict rule. Every imported row keeps `import_fingerprint`, a hash of the
fields as the importer last wrote them. On a re-import the writer compares three
hashes: what it would write now (new), what it wrote last (last) and what the row
holds (current).

- new == current: nothing to do ("unchanged"; a staff edit that the source now
  agrees with is adopted).
- new == last: the source did not change what it yields; a staff edit stands
  ("unchanged").
- current == last: nobody edited the row since the import; it is updated.
- otherwise staff edited it and the source changed too: the row is left alone,
  `import_conflict` says why, and the run reports a conflict.

Facts and contraindications have no provenance columns of their own: the hash of
the rows one source gave one treatment is kept on that source's article
(`import_notes["facts"]`, by treatment slug), and the same rule applies to the set.

Rows are saved with `save()`, or, for documents written together, in bulk INSERTs
(`clinic.bulk.insert`) followed by the signals `save()`, `add()` and taggit send, so
what other parts of the site hang off them (search index, revisions, page cache)
sees imports like admin edits.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.importer.parse import (
    PARSER_VERSION,
    ParsedDocument,
    _key,
    merge_list,
    merge_overview,
)
from articles.importer.vocabulary import VOCABULARY
from articles.models import (
    Article,
    Contraindication,
    Source,
    Treatment,
    TreatmentFact,
    unique_slug,
)
from clinic import bulk
from clinic.editorial.revisions import revision_actor, tag_names
from clinic.publishing import Status
from faq.models import Question

KIND_ORDER = {kind: index for index, kind in enumerate(TreatmentFact.Kind.values)}
# Results of the pure merges into a treatment (synonyms, aftercare) kept per run:
# most documents bring nothing new, and looking up costs less than merging again.
MEMO_SIZE = 1000


def fingerprint(values):
    """A stable hash of a dict of field values."""
    data = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


# The hash of no facts and no contraindications (see Writer._facts).
NO_FACTS = fingerprint([[], []])


def content_hash(data):
    """The hash of a source document's bytes, as stored on every row it yields."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class DocumentResult:
    """What importing one document did, for the summary."""

    name: str
    outcome: str = ""
    reason: str = ""
    rows: Counter = field(default_factory=Counter)
    corrections: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    def count(self, kind, what):
        self.rows[(kind, what)] += 1

    def decide(self, article_created):
        """The document's outcome from what happened to its rows."""
        if self.conflicts:
            self.outcome = "conflict"
        elif article_created:
            self.outcome = "created"
        elif any(what in ("created", "updated", "removed") for _, what in self.rows):
            self.outcome = "updated"
        else:
            self.outcome = "unchanged"


class _Lookups:
    """What the writer reads for one batch of documents, read together when the
    batch starts (`Writer.start_batch`) instead of a dozen queries per document:
    each document's source, article and questions with their tags and links.
    Also the treatments and their facts, shared by the batch's documents, as the
    documents so far left them (`forget_shared()` after a document fails)."""

    def __init__(self, names):
        self.names = set(names)
        self.sources = {
            s.file_name: s for s in Source.objects.filter(file_name__in=self.names)
        }
        self.articles, self.questions, self.tags = {}, {}, {}
        for row in Article.objects.filter(source_name__in=self.names).order_by("pk"):
            self.articles.setdefault(row.source_name, row)
        for row in Question.objects.filter(source_name__in=self.names).order_by(
            "position", "pk"
        ):
            self.questions.setdefault(row.source_name, []).append(row)
        self.tags[Article] = tag_names(list(self.articles.values()))
        self.tags[Question] = tag_names(
            [q for rows in self.questions.values() for q in rows]
        )
        articles = list(self.tags[Article])
        self.article_treatments = {pk: [] for pk in articles}
        self.article_sources = set()
        if articles:
            for pk, slug in Article.treatments.through.objects.filter(
                article_id__in=articles
            ).values_list("article_id", "treatment__slug"):
                self.article_treatments[pk].append(slug)
            self.article_sources = set(
                Article.sources.through.objects.filter(
                    article_id__in=articles
                ).values_list("article_id", "source_id")
            )
        self.treatment_sources = set(
            Treatment.sources.through.objects.filter(
                source_id__in=[s.pk for s in self.sources.values()]
            ).values_list("treatment_id", "source_id")
        )
        self.forget_shared()

    def new_names(self):
        """The names nothing was imported from yet."""
        imported = self.sources.keys() | self.articles.keys() | self.questions.keys()
        return self.names - imported

    def forget_shared(self):
        self.treatments = {}
        self.facts_loaded = set()
        self.fact_rows, self.contra_rows = [], []


@dataclass
class _NewRows:
    """What `Writer.write_new()` collects from its documents before writing it all:
    the rows and links to insert, and the treatments to save."""

    sources: dict = field(default_factory=dict)
    article_slugs: dict = field(default_factory=dict)
    question_slugs: object = None
    dirty: dict = field(default_factory=dict)
    facts: list = field(default_factory=list)
    contraindications: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    question_sources: list = field(default_factory=list)
    links: list = field(default_factory=list)


class Writer:
    """Writes parsed documents. One instance per run: `publish` makes new rows
    published instead of drafts; `dry_run` rolls every document back after
    computing what it would do."""

    def __init__(self, publish=False, dry_run=False, vocabulary=VOCABULARY):
        self.publish = publish
        self.dry_run = dry_run
        self.vocabulary = vocabulary
        self.now = timezone.now()
        # Tags by name: as committed, of the open batch, of the current document.
        # A document's new tags join its batch when it succeeds, and the batch's
        # join the committed ones when the batch commits (see run_import).
        self._tags = {}
        self._batch_tags = {}
        self._new_tags = {}
        # The batch's lookups (start_batch), and what write_new() collects.
        self._known = None
        self._new = None
        self._memo = {}

    @staticmethod
    def _result(document):
        result = DocumentResult(document.name)
        result.corrections = [str(c) for c in document.corrections]
        result.dropped = list(document.dropped)
        result.warnings = list(document.warnings) + [
            f"question {q.position}: {w}" for q in document.faq for w in q.warnings
        ]
        return result

    def start_batch(self, names):
        """Read what the documents `names`, to be written next in one transaction,
        already have. Returns the names nothing was imported from yet: documents
        `write_new()` can create together."""
        self._known = _Lookups(names)
        return self._known.new_names()

    def _lookups(self, document):
        """The batch's lookups; a document written outside a batch gets its own."""
        if self._known is None or document.name not in self._known.names:
            self._known = _Lookups([document.name])
        return self._known

    def write_new(self, items):
        """Import documents that have no rows yet, [(document, data_hash, size)],
        together: the same rows, signals and summary as write() gives each, in a
        few INSERTs per table for all of them. If anything fails, nothing of it
        is kept and each document is written on its own instead, so one bad
        document still fails alone."""
        names = [document.name for document, _, _ in items]
        if self._known is None or not self._known.names.issuperset(names):
            self.start_batch(names)
        if self.dry_run or len(items) < 2:
            return [self.write(*item) for item in items]
        results = [self._result(document) for document, _, _ in items]
        self._new_tags = {}
        self._new = _NewRows()
        try:
            with revision_actor(origin="import"), transaction.atomic():
                self._write_new(items, results)
        except Exception:
            results = None
        finally:
            self._new = None
        if results is None:
            self._known.forget_shared()
            return [self.write(*item) for item in items]
        self._batch_tags.update(self._new_tags)
        for result in results:
            result.decide(True)
        return results

    def _write_new(self, items, results):
        new = self._new
        sources = bulk.insert(
            [
                Source(file_name=document.name, imported_at=self.now,
                       **self._source_values(document, data_hash, size))
                for document, data_hash, size in items
            ]
        )  # fmt: skip
        for source in sources:
            new.sources[source.file_name] = source
        new.article_slugs = dict(
            zip(
                [document.name for document, _, _ in items],
                self._slugs(Article, [(d.title, d.name) for d, _, _ in items]),
                strict=True,
            )
        )
        salts = [
            (e.question, f"{d.name}#{e.position}")
            for d, _, _ in items
            for e in d.faq
            if e.answer
        ]
        new.question_slugs = iter(self._slugs(Question, salts))
        for (document, data_hash, size), result in zip(items, results, strict=True):
            self._write(document, data_hash, size, result)

        articles = [row for row, _ in new.articles]
        questions = [row for row, _ in new.questions]
        for row in [*articles, *questions]:
            row.fill_derived_fields()
        bulk.insert(articles)
        bulk.insert(questions)
        self._tag_new_rows([*new.articles, *new.questions])
        self._link_many(new.links)
        self._link_question_sources(new.question_sources)
        bulk.insert(new.facts, returning=False)
        bulk.insert(new.contraindications, returning=False)
        for row in new.dirty.values():
            row.save()
        # What save() would have told the search index, revisions and page cache.
        for row in [*sources, *articles, *questions]:
            post_save.send(
                sender=type(row), instance=row, created=True, update_fields=None,
                raw=False, using="default",
            )  # fmt: skip

    def write(self, document: ParsedDocument, data_hash, size):
        """Import one document atomically (a savepoint inside a batch); never
        raises for a bad document: the result says "failed" and why, and nothing
        is left behind."""
        result = self._result(document)
        self._new_tags = {}
        try:
            # Revisions saved by this transaction are attributed to the importer.
            with revision_actor(origin="import"), transaction.atomic():
                created = self._write(document, data_hash, size, result)
                if self.dry_run:
                    transaction.set_rollback(True)
            if not self.dry_run:
                self._batch_tags.update(self._new_tags)
            else:
                self._known.forget_shared()  # rolled back, as if never written
        except Exception as exc:  # one bad document must not stop the run
            # Treatments and facts in memory may hold what was rolled back.
            self._known.forget_shared()
            message = " ".join(str(exc).split()) or type(exc).__name__
            result.outcome, result.reason = "failed", f"{type(exc).__name__}: {message}"
            result.rows.clear()
            result.conflicts.clear()
            return result
        result.decide(created)
        return result

    def batch_done(self, committed):
        """The transaction around the last batch of documents ended; tags it
        created exist only if it committed."""
        if committed:
            self._tags.update(self._batch_tags)
        self._batch_tags = {}
        self._known = None

    # --- helpers -------------------------------------------------------------------

    def _provenance(self, document, data_hash):
        return {
            "source_name": document.name[:255],
            "source_hash": data_hash,
            "imported_at": self.now,
            "parser_version": PARSER_VERSION,
        }

    def _save_imported(self, row, document, data_hash, fingerprint_, notes, publish):
        """Save `row` as this import wrote it: its fingerprint, notes and provenance,
        and published if `publish`."""
        if publish:
            row.status = Status.PUBLISHED
        row.import_fingerprint, row.import_conflict = fingerprint_, ""
        row.import_notes = notes
        for k, v in self._provenance(document, data_hash).items():
            setattr(row, k, v)
        row.save()

    def _new_status(self):
        return Status.PUBLISHED if self.publish else Status.DRAFT

    def _should_publish(self, row):
        """--publish publishes an imported row that nobody has ever published;
        a row staff unpublished (it has a publish time) stays a draft."""
        return self.publish and row.status == Status.DRAFT and row.published_at is None

    def _tag_objects(self, names):
        """Tag rows for `names`, created when missing, cached for the run."""
        wanted = [n for n in dict.fromkeys(names)]
        known = (self._tags, self._batch_tags, self._new_tags)
        missing = [n for n in wanted if not any(n in tags for tags in known)]
        if missing:
            for tag in Tag.objects.filter(name__in=missing):
                self._new_tags[tag.name] = tag
            for name in missing:
                if name not in self._new_tags:
                    self._new_tags[name] = Tag.objects.create(name=name)
        return [
            self._tags.get(n) or self._batch_tags.get(n) or self._new_tags[n]
            for n in wanted
        ]

    def _tag_new_rows(self, pairs):
        """Tag freshly created rows in one INSERT. [(row, names), ...]

        taggit's `add()` costs four queries a tag; this does what it does (the
        m2m_changed pre_add/post_add pair and a post_save per TaggedItem, which
        the search index listens to) with one bulk insert per document."""
        pairs = [(row, self._tag_objects(names)) for row, names in pairs if names]
        if not pairs:
            return
        items, sent = [], []
        for row, tags in pairs:
            content_type = ContentType.objects.get_for_model(row)
            pk_set = {t.pk for t in tags}
            m2m_changed.send(
                sender=TaggedItem, action="pre_add", instance=row, reverse=False,
                model=Tag, pk_set=pk_set, using="default",
            )  # fmt: skip
            items += [
                TaggedItem(tag=tag, content_type=content_type, object_id=row.pk)
                for tag in tags
            ]
            sent.append((row, pk_set))
        bulk.insert(items)
        for item in items:
            post_save.send(
                sender=TaggedItem, instance=item, created=True, update_fields=None,
                raw=False, using="default",
            )  # fmt: skip
        for row, pk_set in sent:
            m2m_changed.send(
                sender=TaggedItem, action="post_add", instance=row, reverse=False,
                model=Tag, pk_set=pk_set, using="default",
            )  # fmt: skip

    @classmethod
    def _link(cls, row, name, targets):
        cls._link_many([(row, name, targets)])

    @staticmethod
    def _link_many(links):
        """For each (row, name, targets), add `targets` to the many-to-many `name`
        of `row` (either side), which has none of them yet: one INSERT per
        relation for all rows, with the m2m_changed pair that `add()` sends per row
        (revisions and the page cache listen to it) but without its lookups of what
        exists."""
        by_through, signals = {}, []
        for row, name, targets in links:
            if not targets:
                continue
            field = type(row)._meta.get_field(name)
            reverse = not field.concrete
            forward = field.field if reverse else field
            through = forward.remote_field.through
            own, other = (
                through._meta.get_field(side).attname
                for side in (forward.m2m_field_name(), forward.m2m_reverse_field_name())
            )
            if reverse:
                own, other = other, own
            by_through.setdefault(through, []).extend(
                through(**{own: row.pk, other: t.pk}) for t in targets
            )
            signals.append(
                dict(
                    sender=through,
                    instance=row,
                    reverse=reverse,
                    model=field.related_model,
                    pk_set={t.pk for t in targets},
                    using="default",
                )  # fmt: skip
            )
        for signal in signals:
            m2m_changed.send(action="pre_add", **signal)
        for rows in by_through.values():
            bulk.insert(rows, returning=False)
        for signal in signals:
            m2m_changed.send(action="post_add", **signal)

    @staticmethod
    def _link_question_sources(pairs):
        """Link new questions to their source, [(question, source)], in one INSERT.
        No signal: the question's own post_save already schedules its revision."""
        if pairs:
            bulk.insert(
                [
                    Question.sources.through(question_id=row.pk, source_id=source.pk)
                    for row, source in pairs
                ],
                returning=False,
            )

    @staticmethod
    def _slugs(model, items, max_length=200):
        """A free slug for each (text, salt) in `items`, in one query: the text's
        slug or, when taken, the same with a short hash of `salt` (source and
        position) rather than a count, which costs a query per existing copy when
        thousands of sources share a question."""
        candidates = []
        for text, salt in items:
            base = (slugify(text) or "page")[: max_length - 8].strip("-") or "page"
            candidates.append(
                (text, base, f"{base}-{hashlib.sha1(salt.encode()).hexdigest()[:6]}")
            )
        taken = set(
            model._default_manager.filter(
                slug__in=[slug for _, *pair in candidates for slug in pair]
            ).values_list("slug", flat=True)
        )
        slugs = []
        for text, *pair in candidates:
            slug = next((s for s in pair if s not in taken), None)
            slug = slug or unique_slug(model, text)
            taken.add(slug)
            slugs.append(slug)
        return slugs

    @staticmethod
    def _decide(current, last, new):
        if new == current:
            return "unchanged"
        if new == last:
            return "unchanged"
        if current == last:
            return "update"
        return "conflict"

    def _conflict(self, model, row, document, data_hash, what, result, kind):
        message = (
            f"{document.name} changed (content hash {data_hash[:12]}) on "
            f"{self.now:%Y-%m-%d %H:%M} but this {what} was edited since the last "
            "import, so the new text was not applied. Compare the source, then edit "
            "by hand or clear the edit."
        )
        if row.import_conflict != message:
            model.objects.filter(pk=row.pk).update(import_conflict=message)
            row.import_conflict = message
        result.count(kind, "conflict")
        result.conflicts.append(f"{kind} {row}: edited since the last import")

    # --- the document --------------------------------------------------------------

    def _write(self, document, data_hash, size, result):
        known = self._lookups(document)
        if self._new:
            source, existing = self._new.sources[document.name], None
        else:
            source = self._source(document, data_hash, size)
            existing = known.articles.get(document.name)
        # The hash of the facts this document gave each treatment lives on the
        # document's own article: per document, so it never grows with the site.
        self._fact_hashes = dict(
            ((existing and existing.import_notes) or {}).get("facts", {})
        )
        treatments = self._treatments(document, data_hash, source, result)
        article, created = self._article(
            document, data_hash, source, treatments, result, existing
        )
        self._questions(document, data_hash, source, article, treatments, result)
        return created

    @staticmethod
    def _source_values(document, data_hash, size):
        return {
            "title": document.title[:300],
            "content_hash": data_hash,
            "size": size,
            "parser_version": PARSER_VERSION,
        }

    def _source(self, document, data_hash, size):
        values = self._source_values(document, data_hash, size)
        source = self._lookups(document).sources.get(document.name)
        if source is None:
            source = Source.objects.create(
                file_name=document.name, imported_at=self.now, **values
            )
            return source
        if any(getattr(source, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(source, k, v)
            source.imported_at = self.now
            source.save()
        return source

    # Treatments -------------------------------------------------------------------

    @staticmethod
    def _treatment_slugs(document):
        slugs = list(document.treatments)
        for item in (*document.facts, *document.contraindications, *document.faq):
            if item.treatment and item.treatment not in slugs:
                slugs.append(item.treatment)
        return slugs

    def _find_treatments(self, slugs):
        """{slug: Treatment} for the rows that exist, by slug or else by name."""
        names = {self.vocabulary.by_slug[s].name: s for s in slugs}
        existing = {}
        for row in Treatment.objects.filter(slug__in=slugs):
            existing[row.slug] = row
        missing = [n for n, s in names.items() if s not in existing]
        if missing:
            for row in Treatment.objects.filter(title__in=missing).order_by("pk"):
                existing.setdefault(names[row.title], row)
        return existing

    def _treatments(self, document, data_hash, source, result):
        """The treatments the document discusses, created or updated, with this
        source's facts and contraindications. Returns {slug: Treatment}.

        Writing new documents together (`write_new`), the treatment rows stay in
        memory between documents and are saved once at the end."""
        slugs = self._treatment_slugs(document)
        if not slugs:
            return {}
        new, known = self._new, self._lookups(document)
        existing = known.treatments
        if not all(s in existing for s in slugs):
            existing.update(self._find_treatments(slugs))

        treatments = {}
        for slug in slugs:
            row = existing.get(slug)
            seen = document.misspellings.get(slug, ())
            if row is None:
                row = self._create_treatment(slug, document, data_hash, seen)
                existing[slug] = row
                result.count("treatment", "created")
            elif self._update_treatment(row, slug, document, data_hash, seen, result):
                if new:
                    new.dirty[row.pk] = row
                else:
                    row.save()
            treatments[slug] = row

        linked = {t for t, s in known.treatment_sources if s == source.pk}
        unlinked = [t for t in treatments.values() if t.pk not in linked]
        link = (source, "treatments", unlinked)
        if new:
            new.links.append(link)
        else:
            self._link(*link)
        self._facts(document, source, treatments, result)
        return treatments

    @staticmethod
    def _treatment_values(row):
        return {
            "title": row.title,
            "summary": row.summary,
            "body": row.body,
            "aftercare": row.aftercare,
            "synonyms": row.synonyms,
        }

    def _remember(self, key, compute):
        """`compute()`, a pure function of `key`, kept for the run."""
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = compute()
        return self._memo[key]

    def _merged_synonyms(self, slug, current, seen):
        def merge():
            lines = {line.strip() for line in current.splitlines() if line.strip()}
            found = self.vocabulary.synonym_lines(slug, seen)
            return "\n".join(sorted(lines | set(found)))

        return self._remember(("synonyms", slug, current, frozenset(seen)), merge)

    def _overview(self, slug, document, body, aftercare):
        """The treatment's body and aftercare with this document's sentences."""
        quotes = tuple(
            f.quote
            for f in document.facts
            if f.treatment == slug and f.kind == "aftercare"
        )
        return (
            merge_overview(body, document.overview.get(slug, {})),
            self._remember(
                ("aftercare", aftercare, quotes), lambda: merge_list(aftercare, quotes)
            ),
        )

    def _create_treatment(self, slug, document, data_hash, seen):
        name = self.vocabulary.by_slug[slug].name
        body, aftercare = self._overview(slug, document, "", "")
        row = Treatment(
            title=name,
            slug=unique_slug(Treatment, slug),
            summary=document.definitions.get(slug, ""),
            body=body,
            aftercare=aftercare,
            synonyms=self._merged_synonyms(slug, "", seen),
            status=self._new_status(),
            import_notes={},
            **self._provenance(document, data_hash),
        )
        row.import_fingerprint = fingerprint(self._treatment_values(row))
        row.save()
        return row

    def _update_treatment(self, row, slug, document, data_hash, seen, result):
        """Apply the document to the treatment `row` in memory; True when it
        changed and must be saved."""
        current = self._treatment_values(row)
        desired = dict(current)
        desired["summary"] = current["summary"] or document.definitions.get(slug, "")
        desired["synonyms"] = self._merged_synonyms(slug, current["synonyms"], seen)
        desired["body"], desired["aftercare"] = self._overview(
            slug, document, current["body"], current["aftercare"]
        )
        if desired == current and not self._should_publish(row):
            # What _decide() says when nothing would change, without the hashes.
            result.count("treatment", "unchanged")
            return False
        cur, new = fingerprint(current), fingerprint(desired)
        action = self._decide(cur, row.import_fingerprint, new)
        if action == "conflict":
            self._conflict(Treatment, row, document, data_hash, "treatment", result,
                           "treatment")  # fmt: skip
            return False
        publish = self._should_publish(row) and cur == row.import_fingerprint
        if action == "update" or publish:
            for k, v in desired.items():
                setattr(row, k, v)
            if publish:
                row.status = Status.PUBLISHED
            row.import_fingerprint = new
            row.import_conflict = ""
            row.source_hash, row.imported_at = data_hash, self.now
            row.parser_version = PARSER_VERSION
            result.count("treatment", "updated")
            return True
        result.count("treatment", "unchanged")
        return False

    def _facts(self, document, source, treatments, result):
        """This source's facts and contraindication rows on each treatment."""
        by_pk = {t.pk: t for t in treatments.values()}
        source_pk = source.pk
        wanted = {pk: ([], []) for pk in by_pk}
        slug_pk = {slug: t.pk for slug, t in treatments.items()}
        # One query per table gives both this source's rows and the others'.
        fact_fields = ("kind", "value", "quote", "position")
        contra_fields = ("condition", "reason", "quote", "position")
        known = self._lookups(document)
        fact_rows, contra_rows = self._fact_rows(
            known, by_pk, fact_fields, contra_fields
        )
        other_facts = {
            (r["treatment_id"], r["kind"], r["value"])
            for r in fact_rows
            if r["source_id"] != source_pk
        }
        other_conditions = {
            (r["treatment_id"], r["condition"])
            for r in contra_rows
            if r["source_id"] != source_pk
        }
        for fact in document.facts:
            pk = slug_pk[fact.treatment]
            # The same fact from an earlier source is cited once, by that source.
            if (pk, fact.kind, fact.value) in other_facts:
                continue
            wanted[pk][0].append(
                {
                    "kind": fact.kind,
                    "value": fact.value,
                    "quote": fact.quote,
                    "position": KIND_ORDER[fact.kind],
                }
            )
        for index, item in enumerate(document.contraindications):
            pk = slug_pk[item.treatment]
            if (pk, item.condition) in other_conditions:
                continue
            wanted[pk][1].append(
                {
                    "condition": item.condition,
                    "reason": item.reason,
                    "quote": item.quote,
                    "position": index,
                }
            )
        have = {pk: ([], []) for pk in by_pk}
        for row in fact_rows:
            if row["source_id"] == source_pk and row["treatment_id"] in have:
                have[row["treatment_id"]][0].append({k: row[k] for k in fact_fields})
        for row in contra_rows:
            if row["source_id"] == source_pk and row["treatment_id"] in have:
                have[row["treatment_id"]][1].append({k: row[k] for k in contra_fields})

        def rows_hash(pair):
            if not any(pair):
                return NO_FACTS
            return fingerprint(
                [
                    sorted(pair[0], key=lambda d: sorted(d.items())),
                    sorted(pair[1], key=lambda d: sorted(d.items())),
                ]
            )

        new_facts, new_contra, cleared = [], [], set()
        for pk, treatment in by_pk.items():
            last = self._fact_hashes.get(treatment.slug, NO_FACTS)
            cur, new = rows_hash(have[pk]), rows_hash(wanted[pk])
            action = self._decide(cur, last, new)
            if action == "conflict":
                result.count("facts", "conflict")
                result.conflicts.append(
                    f"facts of {treatment} from {document.name}: edited since the "
                    "last import"
                )
                continue
            if action == "update":
                if any(have[pk]):
                    for model in (TreatmentFact, Contraindication):
                        model.objects.filter(treatment_id=pk, source=source).delete()
                    cleared.add(pk)
                new_facts += [
                    TreatmentFact(treatment_id=pk, source=source, **values)
                    for values in wanted[pk][0]
                ]
                new_contra += [
                    Contraindication(treatment_id=pk, source=source, **values)
                    for values in wanted[pk][1]
                ]
                result.count("facts", "updated" if any(have[pk]) else "created")
            else:
                result.count("facts", "unchanged")
            self._fact_hashes[treatment.slug] = new
        if self._new is None:
            bulk.insert(new_facts, returning=False)
            bulk.insert(new_contra, returning=False)
        else:
            # Written with the other new documents.
            self._new.facts += new_facts
            self._new.contraindications += new_contra
        # The batch's next documents see the rows as they are now.
        for rows in (fact_rows, contra_rows):
            rows[:] = [
                r
                for r in rows
                if r["source_id"] != source_pk or r["treatment_id"] not in cleared
            ]
        fact_rows += [
            {"treatment_id": f.treatment_id, "source_id": source_pk,
             **{k: getattr(f, k) for k in fact_fields}}
            for f in new_facts
        ]  # fmt: skip
        contra_rows += [
            {"treatment_id": c.treatment_id, "source_id": source_pk,
             **{k: getattr(c, k) for k in contra_fields}}
            for c in new_contra
        ]  # fmt: skip

    @staticmethod
    def _fact_rows(known, by_pk, fact_fields, contra_fields):
        """The fact and contraindication rows of these treatments, from every
        source, as dicts, kept in memory across the batch's documents: only
        treatments not seen yet in the batch are queried."""

        def query(pks):
            return (
                list(
                    TreatmentFact.objects.filter(treatment_id__in=pks).values(
                        "treatment_id", "source_id", *fact_fields
                    )
                ),
                list(
                    Contraindication.objects.filter(treatment_id__in=pks).values(
                        "treatment_id", "source_id", *contra_fields
                    )
                ),
            )

        missing = [pk for pk in by_pk if pk not in known.facts_loaded]
        if missing:
            facts, contra = query(missing)
            known.fact_rows += facts
            known.contra_rows += contra
            known.facts_loaded.update(missing)
        return known.fact_rows, known.contra_rows

    # Article ----------------------------------------------------------------------

    @staticmethod
    def _article_values(title, summary, body, tags, treatment_slugs):
        return {
            "title": title,
            "summary": summary,
            "body": body,
            "tags": sorted(tags),
            "treatments": sorted(treatment_slugs),
        }

    def _article(self, document, data_hash, source, treatments, result, row):
        linked = [treatments[s] for s in document.treatments if s in treatments]
        desired = self._article_values(
            document.title,
            document.summary,
            document.body,
            document.tags,
            [t.slug for t in linked],
        )
        new = fingerprint(desired)
        notes = document.notes()
        if self._fact_hashes:
            notes["facts"] = dict(sorted(self._fact_hashes.items()))
        if row is None:
            row = Article(
                title=document.title,
                slug=(
                    self._new.article_slugs[document.name]
                    if self._new
                    else self._slugs(Article, [(document.title, document.name)])[0]
                ),
                summary=document.summary,
                body=document.body,
                status=self._new_status(),
                import_fingerprint=new,
                import_notes=notes,
                **self._provenance(document, data_hash),
            )
            links = [(row, "treatments", linked), (row, "sources", [source])]
            if self._new:
                self._new.articles.append((row, document.tags))
                self._new.links += links
            else:
                row.save()
                self._tag_new_rows([(row, document.tags)])
                self._link_many(links)
            result.count("article", "created")
            return row, True

        known = self._lookups(document)
        current = self._article_values(
            row.title,
            row.summary,
            row.body,
            known.tags[Article][row.pk],
            known.article_treatments[row.pk],
        )
        cur = fingerprint(current)
        action = self._decide(cur, row.import_fingerprint, new)
        if action == "conflict":
            self._conflict(Article, row, document, data_hash, "article", result,
                           "article")  # fmt: skip
            if row.import_notes.get("facts") != notes.get("facts"):
                Article.objects.filter(pk=row.pk).update(
                    import_notes={**row.import_notes, "facts": notes.get("facts", {})}
                )
            return row, False
        publish = self._should_publish(row) and cur == row.import_fingerprint
        if action == "update" or publish:
            row.title, row.summary, row.body = (
                document.title,
                document.summary,
                document.body,
            )
            self._save_imported(row, document, data_hash, new, notes, publish)
            if current["tags"] != desired["tags"]:
                row.tags.set(self._tag_objects(document.tags))
            if current["treatments"] != desired["treatments"]:
                row.treatments.set(linked)
            result.count("article", "updated")
        else:
            self._touch(Article, row, document, data_hash, new, notes, cur == new)
            result.count("article", "unchanged")
        if (row.pk, source.pk) not in known.article_sources:
            row.sources.add(source)
        return row, False

    def _touch(self, model, row, document, data_hash, new, notes, adopt):
        """Provenance follows the source even when the fields did not change; a
        staff edit the source now agrees with (`adopt`) becomes the baseline."""
        changes = {}
        if row.source_hash != data_hash or row.parser_version != PARSER_VERSION:
            changes.update(self._provenance(document, data_hash))
        if adopt and row.import_fingerprint != new:
            changes["import_fingerprint"] = new
            changes["import_conflict"] = ""
        if notes is not None and row.import_notes != notes:
            changes["import_notes"] = notes
        if changes:
            model.objects.filter(pk=row.pk).update(**changes)

    # Questions --------------------------------------------------------------------

    @staticmethod
    def _question_values(question, answer, treatment_id, position, tags):
        return {
            "question": question,
            "answer": answer,
            "treatment": treatment_id,
            "position": position,
            "tags": sorted(tags),
        }

    @classmethod
    def _row_question_values(cls, row, tags=None):
        """What a question row holds now, in the shape its fingerprint hashes;
        `tags` are its tag names when already known."""
        return cls._question_values(
            row.question,
            row.answer,
            row.treatment_id,
            row.position,
            tags if tags is not None else [t.name for t in row.tags.all()],
        )

    def _questions(self, document, data_hash, source, article, treatments, result):
        known = self._lookups(document)
        rows = known.questions.get(document.name, [])
        tags = known.tags[Question]
        by_text = {_key(r.question): r for r in rows}
        by_position = {r.position: r for r in rows}
        matched = set()
        new_links, new_tags = [], []
        entries = [entry for entry in document.faq if entry.answer]
        salts = [(e.question, f"{document.name}#{e.position}") for e in entries]
        # A first import creates every question: their slugs in one query.
        slugs = [None] * len(entries)
        if self._new:
            slugs = [next(self._new.question_slugs) for _ in entries]
        elif entries and not rows:
            slugs = self._slugs(Question, salts)
        for entry, salt, slug in zip(entries, salts, slugs, strict=True):
            treatment = treatments.get(entry.treatment)
            treatment_id = treatment.pk if treatment else None
            desired = self._question_values(
                entry.question, entry.answer, treatment_id, entry.position, entry.tags
            )
            new = fingerprint(desired)
            notes = {}
            if entry.corrections:
                notes["corrections"] = [str(c) for c in entry.corrections]
            if entry.warnings:
                notes["warnings"] = list(entry.warnings)
            row = by_text.get(_key(entry.question))
            if row is None or row.pk in matched:
                candidate = by_position.get(entry.position)
                row = candidate if candidate and candidate.pk not in matched else None
            if row is None:
                row = Question(
                    question=entry.question,
                    slug=slug or self._slugs(Question, [salt])[0],
                    answer=entry.answer,
                    treatment=treatment,
                    article=article,
                    position=entry.position,
                    status=self._new_status(),
                    import_fingerprint=new,
                    import_notes=notes,
                    **self._provenance(document, data_hash),
                )
                if self._new:
                    self._new.questions.append((row, entry.tags))
                    self._new.question_sources.append((row, source))
                else:
                    row.save()
                    new_tags.append((row, entry.tags))
                    new_links.append((row, source))
                result.count("question", "created")
                continue
            matched.add(row.pk)
            current = self._row_question_values(row, tags.get(row.pk))
            cur = fingerprint(current)
            action = self._decide(cur, row.import_fingerprint, new)
            if action == "conflict":
                self._conflict(Question, row, document, data_hash, "question", result,
                               "question")  # fmt: skip
                continue
            if row.article_id != article.pk:
                # The article was deleted and imported again: relink, touch nothing.
                Question.objects.filter(pk=row.pk).update(article=article)
                row.article = article
            publish = self._should_publish(row) and cur == row.import_fingerprint
            if action == "update" or publish:
                row.question, row.answer = entry.question, entry.answer
                row.treatment, row.position = treatment, entry.position
                self._save_imported(row, document, data_hash, new, notes, publish)
                if current["tags"] != desired["tags"]:
                    row.tags.set(self._tag_objects(entry.tags))
                result.count("question", "updated")
            else:
                self._touch(Question, row, document, data_hash, new, notes, cur == new)
                result.count("question", "unchanged")
        self._tag_new_rows(new_tags)
        self._link_question_sources(new_links)
        for row in rows:
            if row.pk in matched:
                continue
            self._stale_question(row, document, result, tags.get(row.pk))

    def _stale_question(self, row, document, result, tags=None):
        """A question the source no longer has: removed if it is an untouched
        draft, otherwise kept and flagged for the editor."""
        current = self._row_question_values(row, tags)
        untouched = fingerprint(current) == row.import_fingerprint
        if untouched and row.status == Status.DRAFT:
            row.delete()
            result.count("question", "removed")
            return
        message = (
            f"{document.name} no longer has this question (import of "
            f"{self.now:%Y-%m-%d %H:%M}); it was kept because it is published or "
            "was edited. Delete it if it is no longer wanted."
        )
        if row.import_conflict != message:
            Question.objects.filter(pk=row.pk).update(import_conflict=message)
        result.count("question", "conflict")
        result.conflicts.append(f"question {row}: no longer in the source")
