"""
One import run: find the documents, read, decode, parse and write each, and keep
the summary. The management command and the admin upload both call `run_import()`
and print or show the same `ImportReport`.
"""

import gc
import multiprocessing
import os
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from articles.importer.decode import MAX_BYTES, RejectedDocument, decode
from articles.importer.parse import ParsedDocument, Parser
from articles.importer.write import DocumentResult, Writer, content_hash
from clinic.editorial.checks import active_rules, check_fields
from clinic.editorial.checks import ahead as checks_ahead
from clinic.rendering import prerendered, render_markdown
from clinic.search import index as search_index

OUTCOMES = ("created", "updated", "unchanged", "conflict", "skipped", "failed")
# Above this many documents the summary gives totals only, unless asked for detail.
DETAIL_LIMIT = 50
# Documents per transaction, and the longest a batch holds the write lock (the
# admin waits for it; see docs/importer.md).
BATCH_DOCUMENTS = 100
BATCH_SECONDS = 1.0
# Runs this long parse in other processes (see prepared()), CHUNK documents a task.
PARALLEL_MIN = 200
CHUNK = 25


@dataclass
class Document:
    """One document to import: a file on disk, or bytes already in memory (an
    upload). `skip` is set when it must not be read at all."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    skip: str = ""


def collect(paths, suffix=".txt"):
    """The documents under `paths` (files or folders), in name order.

    Folders are searched recursively for `suffix` files. A symlink whose target is
    outside the folder is listed as skipped and never opened; symlinked folders are
    not descended into. Files named explicitly are read wherever they are."""
    documents, names = [], set()

    def add(document):
        if document.name in names and not document.skip:
            document.skip = "same name as another document in this run"
        names.add(document.name)
        documents.append(document)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            found = []
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for file_name in files:
                    if file_name.startswith("."):
                        continue
                    full = Path(folder) / file_name
                    found.append((full.relative_to(path).as_posix(), full))
            for name, full in sorted(found):
                if not name.lower().endswith(suffix):
                    add(Document(name, skip=f"not a {suffix} file"))
                elif full.is_symlink() and not _inside(full.resolve(), root):
                    add(Document(name, skip=f"symlink to a file outside {raw}"))
                elif not full.is_file():
                    add(Document(name, skip="not a regular file"))
                else:
                    add(Document(name, path=full))
        elif path.is_file():
            add(Document(path.name, path=path))
        else:
            add(Document(str(raw), skip="no such file or folder"))
    return documents


def _inside(target, root):
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def read_limited(path, limit=MAX_BYTES):
    """The bytes of a file, refusing one over `limit` without reading it all."""
    size = path.stat().st_size
    if size > limit:
        raise RejectedDocument(
            f"too large: {size:,} bytes, the limit is {limit // (1024 * 1024)} MB"
        )
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise RejectedDocument(f"too large: the limit is {limit // (1024 * 1024)} MB")
    return data


@dataclass
class ImportReport:
    """The closing summary of a run."""

    dry_run: bool = False
    results: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def outcomes(self):
        counts = Counter(r.outcome for r in self.results)
        return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def failed(self):
        return self.outcomes["failed"]

    def rows(self):
        """{kind: Counter(what)} over all documents."""
        rows = {}
        for result in self.results:
            for (kind, what), n in result.rows.items():
                rows.setdefault(kind, Counter())[what] += n
        return rows

    def headline(self):
        o = self.outcomes
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        return (
            f"{prefix}{len(self.results)} documents: {o['created']} created, "
            f"{o['updated']} updated, {o['unchanged']} unchanged, "
            f"{o['conflict']} with conflicts, {o['skipped']} skipped, "
            f"{o['failed']} failed."
        )

    def row_lines(self):
        lines = []
        labels = {
            "article": "Articles",
            "question": "FAQ questions",
            "treatment": "Treatments",
            "facts": "Treatment facts (per treatment and source)",
        }
        for kind, counts in self.rows().items():
            parts = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
            lines.append(f"{labels.get(kind, kind)}: {parts}.")
        return lines

    def detail(self, result):
        """Lines about one document beyond its outcome."""
        corrections = Counter(result.corrections)
        lines = [
            f"corrected {c}" + (f" x{n}" if n > 1 else "")
            for c, n in corrections.items()
        ]
        lines += [f"dropped {d}" for d in result.dropped]
        lines += [f"warning: {w}" for w in result.warnings]
        lines += [f"conflict: {c}" for c in result.conflicts]
        return lines

    def lines(self, detail=None):
        """The summary as text lines. Per-document detail (corrections, drops,
        warnings) is given for documents that changed in small runs, for every
        document when `detail` is True; conflicts and failures are always listed."""
        if detail is None:
            detail = "changes" if len(self.results) <= DETAIL_LIMIT else False
        lines = [self.headline(), *self.row_lines()]
        problems = [r for r in self.results if r.outcome in ("skipped", "failed")]
        for result in self.results:
            if result.outcome in ("skipped", "failed"):
                continue
            if (
                detail is True
                or result.conflicts
                or (detail and result.outcome != "unchanged")
            ):
                lines.append(f"{result.name}: {result.outcome}")
                extra = self.detail(result) if detail else result.conflicts
                lines += [f"  {line}" for line in extra]
        if not detail:
            lines.append(
                f"Corrections, dropped sections and warnings for {len(self.results)} "
                "documents are kept on each row; use --verbosity 2 to list them."
            )
        for result in problems:
            lines.append(f"{result.name}: {result.outcome}: {result.reason}")
        if self.seconds:
            rate = len(self.results) / self.seconds if self.seconds else 0
            lines.append(f"Took {self.seconds:.1f} s ({rate:.0f} documents/s).")
        return lines


def run_import(documents, publish=False, dry_run=False, progress=None, workers=None):
    """Import `documents` (from `collect()` or uploads). `progress(done, total)` is
    called after each document.

    Documents are written in batches, one transaction per batch and a savepoint per
    document: a document that fails leaves nothing behind and the others still
    import, while the work done once per transaction (revisions, claims checks,
    search index, page cache) runs once per batch instead of once per document. A
    batch ends after BATCH_DOCUMENTS documents or BATCH_SECONDS, so the write lock
    is never held long and an interrupted run loses at most one batch, which the
    next run completes.

    Reading, parsing, rendering Markdown and the claims check touch no database, so
    on long runs they happen in `workers` other processes (default: one per
    core) while this one writes."""
    started = time.perf_counter()
    # What exists when the run starts (Django, the list of documents) outlives it:
    # kept out of the garbage collector's full passes, which would otherwise walk
    # all of it again every few batches. Not when something else froze objects
    # already (an app server before forking): unfreezing would undo that.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        report = _run(documents, publish, dry_run, progress, workers)
    finally:
        if freeze:
            gc.unfreeze()
    report.seconds = time.perf_counter() - started
    return report


def _run(documents, publish, dry_run, progress, workers):
    writer = Writer(publish=publish, dry_run=dry_run)
    report = ImportReport(dry_run=dry_run)
    total, done = len(documents), 0
    pending = prepared(documents, workers)
    while done < total:
        batch, batch_started = [], time.perf_counter()
        try:
            # The batch's checks run when it commits, inside ahead().
            with checks_ahead() as known, transaction.atomic(), search_index.batched():
                # Documents nothing was imported from yet are created together,
                # the others written one by one, in order.
                fresh = writer.start_batch(
                    d.name for d in documents[done : done + BATCH_DOCUMENTS]
                )
                staged = []
                for name, outcome in pending:
                    if isinstance(outcome, DocumentResult):
                        batch.append(outcome)
                    elif name in fresh:
                        known.update(outcome.checks)
                        fresh.discard(name)
                        staged.append(outcome)
                        batch.append(None)
                    else:
                        _write_together(writer, staged, batch)
                        known.update(outcome.checks)
                        with prerendered(outcome.rendered):
                            batch.append(writer.write(*outcome.for_writer()))
                    done += 1
                    if progress:
                        progress(done, total)
                    if (
                        len(batch) >= BATCH_DOCUMENTS
                        or time.perf_counter() - batch_started > BATCH_SECONDS
                    ):
                        break
                _write_together(writer, staged, batch)
        except DatabaseError as exc:
            writer.batch_done(committed=False)
            if not batch:
                # The transaction could not even start: the next document fails
                # with the reason, so a database that stays locked ends the run.
                name, _ = next(pending)
                batch.append(DocumentResult(name))
                done += 1
                if progress:
                    progress(done, total)
            _batch_failed(batch, exc)
        else:
            writer.batch_done(committed=True)
        report.results += batch
    return report


def _write_together(writer, staged, batch):
    """Write the `staged` new documents (Prepared) together; their results take
    the places kept for them (None) in `batch`."""
    if not staged:
        return
    rendered = {}
    for outcome in staged:
        rendered.update(outcome.rendered)
    with prerendered(rendered):
        results = writer.write_new([outcome.for_writer() for outcome in staged])
    for result in results:
        batch[batch.index(None)] = result
    staged.clear()


def _batch_failed(results, exc):
    """The batch's transaction could not commit (say, the database stayed locked):
    nothing of it was kept, so every document written in it failed."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    for result in results:
        if result.outcome in ("skipped", "failed"):
            continue
        result.outcome = "failed"
        result.reason = f"not saved, the batch could not be committed: {message}"
        result.rows.clear()
        result.conflicts.clear()


@dataclass
class Prepared:
    """A document ready for the writer, with the work done ahead for its new rows:
    their rendered Markdown ({text: html}) and, in worker processes, their claims
    and readability checks (see clinic.editorial.checks.ahead)."""

    parsed: ParsedDocument
    data_hash: str
    size: int
    rendered: dict
    checks: dict

    def for_writer(self):
        return self.parsed, self.data_hash, self.size


def prepare(document, parser, rules=None):
    """Read, decode and parse one document: a `Prepared` for the writer, or a
    DocumentResult saying in one line why it was skipped or failed. With `rules`,
    the checks of the article and questions it would create are worked out too."""
    if document.skip:
        return DocumentResult(document.name, outcome="skipped", reason=document.skip)
    try:
        data = document.data
        if data is None:
            data = read_limited(document.path)
        text, _ = decode(data)
    except RejectedDocument as exc:
        return DocumentResult(document.name, outcome="failed", reason=str(exc))
    except OSError as exc:
        return DocumentResult(
            document.name, outcome="failed", reason=f"unreadable: {exc.strerror}"
        )
    try:
        parsed = parser.parse(text, document.name)
    except Exception as exc:  # a parser bug on one document must not stop the run
        return DocumentResult(
            document.name,
            outcome="failed",
            reason=f"could not be parsed ({type(exc).__name__}: {exc})",
        )
    # The article's and the answers' HTML, as save() would render the same text.
    rendered = {
        text: render_markdown(text)
        for text in (parsed.body, *(entry.answer for entry in parsed.faq))
        if text
    }
    checks = {}
    if rules is not None:
        pages = [
            {"title": parsed.title, "summary": parsed.summary, "body": parsed.body}
        ]
        pages += [{"question": e.question, "answer": e.answer} for e in parsed.faq]
        checks = dict(check_fields(values, rules) for values in pages)
    return Prepared(parsed, content_hash(data), len(data), rendered, checks)


def prepared(documents, workers=None):
    """Yield (name, prepare(document)) in order. With workers, documents are
    prepared in other processes, a few chunks ahead of the writer and no more, so
    memory stays flat however many documents there are."""
    if workers is None:
        # One per core: the writer waits for parsed documents part of the time,
        # so a worker sharing its core keeps both cores busy (docs/importer.md).
        cores = os.cpu_count() or 1
        workers = min(cores, 3) if cores > 1 and len(documents) >= PARALLEL_MIN else 0
    if not workers:
        parser = Parser()
        for document in documents:
            yield document.name, prepare(document, parser)
        return
    chunks = (documents[i : i + CHUNK] for i in range(0, len(documents), CHUNK))
    # fork: the workers inherit the loaded code and the claim rules read here; they
    # never touch the database.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, _start_worker, (active_rules(),)) as pool:
        window = deque()
        for chunk in chunks:
            window.append((chunk, pool.apply_async(_prepare_chunk, (chunk,))))
            if len(window) > 2 * workers:
                yield from _finished(*window.popleft())
        while window:
            yield from _finished(*window.popleft())


def _finished(chunk, outcome):
    for document, prepared_ in zip(chunk, outcome.get(), strict=True):
        yield document.name, prepared_


_worker = {}


def _start_worker(rules):
    """In a worker process: its own parser, and the claim rules of the run."""
    _worker.update(parser=Parser(), rules=rules)


def _prepare_chunk(documents):
    return [prepare(d, _worker["parser"], _worker["rules"]) for d in documents]
