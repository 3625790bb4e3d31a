"""
Importer benchmark: generate seed-like documents (bench/corpus.py), write them to a
temporary folder and import them into a fresh SQLite database, as the command does.

    .venv/bin/python bench/import_bench.py [--documents 10000] [--keep]

`--importer-only` disconnects the site's model signal receivers (search index,
revisions, page cache, claims check) to time the importer's own work.

Prints documents per second, total seconds and peak memory (the maximum resident
set size of the writing process, Django included, and of the largest parse worker;
`--workers 0` parses in the writing process). Target (issue 3): 10,000 documents
in under 60 s with a peak under 300 MB. It uses its own database in a temporary folder
(CLINIC_VAR_DIR), never the shared var/.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument(
        "--importer-only",
        action="store_true",
        help="disconnect the site's model signal receivers (search index, "
        "revisions, cache, claims check) to time the importer on its own",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parse worker processes (default: one per core)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    os.environ["CLINIC_VAR_DIR"] = str(work / "var")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Debug mode keeps a log of every query; a benchmark must not pay for it.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    if args.importer_only:
        from django.db.models import signals

        for signal in (
            signals.pre_save,
            signals.post_save,
            signals.pre_delete,
            signals.post_delete,
            signals.m2m_changed,
        ):
            signal.receivers = []
            signal.sender_receivers_cache.clear()

    from articles.importer.run import collect, run_import
    from articles.models import Article, Treatment, TreatmentFact
    from bench.corpus import documents
    from faq.models import Question

    folder = work / "sources"
    folder.mkdir()
    started = time.perf_counter()
    size = 0
    for name, data in documents(args.documents):
        (folder / name).write_bytes(data)
        size += len(data)
    generated = time.perf_counter() - started
    print(
        f"generated {args.documents:,} documents ({size / 1e6:.1f} MB) "
        f"in {generated:.1f} s",
        flush=True,
    )

    started, cpu_started = time.perf_counter(), time.process_time()
    report = run_import(collect([folder]), workers=args.workers)
    cpu = time.process_time() - cpu_started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(report.headline())
    print(
        f"rows: {Article.objects.count():,} articles, {Question.objects.count():,} "
        f"questions, {Treatment.objects.count()} treatments, "
        f"{TreatmentFact.objects.count():,} facts"
    )
    mode = "importer only" if args.importer_only else "with the site's signals"
    print(
        f"import ({mode}): {seconds:.1f} s, {args.documents / seconds:.0f} documents/s"
    )
    print(
        f"CPU: {cpu:.1f} s writing process, "
        f"{children.ru_utime + children.ru_stime:.1f} s parse workers; "
        "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    print(
        f"peak memory: {peak_mb:.0f} MB writing process, {worker_mb:.0f} MB largest "
        "parse worker (max resident set size)"
    )

    started = time.perf_counter()
    rerun = run_import(collect([folder]), workers=args.workers)
    print(f"re-run: {time.perf_counter() - started:.1f} s; {rerun.headline()}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
