"""
Search latency benchmark: in-process `clinic.search.api.search()` over generated pages.

    # SQLite (a throwaway file, never the site's database)
    DATABASE_URL=sqlite:////tmp/search-var/bench.sqlite3 \\
        .venv/bin/python bench/search_bench.py --docs 100000
    # PostgreSQL (a database of its own)
    createdb -h 127.0.0.1 -U postgres clinic_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench \\
        .venv/bin/python bench/search_bench.py --docs 100000

It migrates the database, tops it up to --docs published articles (bench/fixtures.py,
bulk insert), rebuilds the index, then times --queries searches of one to three words
(each the full call: parsing, synonyms, spelling, ranked page, snippets, facet counts)
and prints the median, p95 and p99 in milliseconds, the client's CPU time and, for a
PostgreSQL server on this machine, the server's CPU per search (from /proc).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
# Production settings: debug off, so Django does not keep every query in memory.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")


def backend_cpu(connection):
    """Seconds of CPU this connection's PostgreSQL backend has used, read from
    /proc when the server runs on this machine; None otherwise (or on SQLite,
    where the search runs in this process and process time counts it)."""
    if connection.vendor != "postgresql":
        return None
    from bench.cpu import cpu_seconds

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cpu_seconds(cursor.fetchone()[0])


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# Each query is compared unfiltered, with a kind and with a tag filter.
DUMP_FILTERS = [{}, {"kind": "article"}, {"tag": "collagen"}]


def dump(api, texts, path):
    """Everything a search shows, one JSON line per search with a non-empty query."""
    import json

    searches = 0
    with open(path, "w", encoding="utf-8") as out:
        for text in texts:
            for filters in DUMP_FILTERS:
                results = api.search(text, **filters)
                if not results.query:
                    continue
                hits = [
                    (h.kind, h.title, h.url, str(h.published_at), h.snippet)
                    for h in results.hits
                ]
                counts = [results.kind_counts, results.tag_counts]
                row = [text, filters, hits, results.total, results.is_capped]
                row += [*counts, results.did_you_mean]
                out.write(json.dumps(row) + "\n")
                searches += 1
        # Suggestions for the prefixes people type first.
        prefixes = sorted({text[:n] for text in texts[:200] for n in (2, 3, 4, 6)})
        for prefix in prefixes:
            out.write(json.dumps(["suggest", prefix, api.suggest(prefix)]) + "\n")
    print(f"wrote {searches} searches and {len(prefixes)} suggestions to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true", help="reindex even if full")
    parser.add_argument(
        "--cap",
        type=int,
        help="try another candidate cap (api.CAP): the first page stays the same, "
        "later pages and the counts do not",
    )
    parser.add_argument(
        "--dump",
        metavar="FILE",
        help="write every query's results (unfiltered, kind and tag filtered) and "
        "some suggestions as JSON lines, to compare two versions; no timing",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article
    from bench.fixtures import create_articles, queries
    from clinic.search import api, index
    from clinic.search.models import SearchEntry

    call_command("migrate", verbosity=0)
    if args.cap:
        api.CAP = args.cap
    vendor = connection.vendor
    missing = args.docs - Article.objects.count()
    if missing > 0:
        started = time.perf_counter()
        create_articles(missing)
        print(f"created {missing} articles in {time.perf_counter() - started:.1f} s")
    if missing > 0 or args.rebuild or SearchEntry.objects.count() < args.docs:
        started = time.perf_counter()
        count = index.rebuild()
        print(f"indexed {count} pages in {time.perf_counter() - started:.1f} s")
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE search_searchentry")
                cursor.execute("VACUUM ANALYZE search_searchdoc")
                cursor.execute("VACUUM ANALYZE search_searchentrytag")
                cursor.execute("VACUUM ANALYZE search_searchterm")

    texts = queries(args.queries)
    if args.dump:
        dump(api, texts, args.dump)
        return
    for text in texts[:20]:
        api.search(text)  # warm caches and connections
    timings, cpu, totals = [], [], []
    server_before = backend_cpu(connection)
    for text in texts:
        started, started_cpu = time.perf_counter(), time.process_time()
        results = api.search(text)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        totals.append(results.total)
    server_after = backend_cpu(connection)
    suggest = []
    for text in texts[:200]:
        started = time.perf_counter()
        api.suggest(text[:4])
        suggest.append((time.perf_counter() - started) * 1000)

    entries = SearchEntry.objects.count()
    print(f"{vendor}: {entries} indexed pages, {len(texts)} queries of 1-3 words")
    print(
        f"search  median {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, "
        f"p99 {percentile(timings, 0.99):.1f} ms, max {max(timings):.1f} ms"
    )
    # On a shared machine wall time includes waiting for a core; CPU time does not.
    print(
        f"search  CPU time: median {statistics.median(cpu):.1f} ms, "
        f"p95 {percentile(cpu, 0.95):.1f} ms, p99 {percentile(cpu, 0.99):.1f} ms"
    )
    if server_before is not None and server_after is not None:
        # The server's share, which this process's CPU time leaves out: like
        # the client's, much less moved by other work on the machine than wall
        # time (a mean: /proc counts in clock ticks).
        per_search = 1000 * (server_after - server_before) / len(texts)
        print(f"search  PostgreSQL server CPU: mean {per_search:.1f} ms per search")
    slowest = sorted(zip(timings, texts, strict=True), reverse=True)[:5]
    print("slowest:", ", ".join(f"{text!r} {ms:.0f} ms" for ms, text in slowest))
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"suggest median {statistics.median(suggest):.1f} ms, "
        f"p95 {percentile(suggest, 0.95):.1f} ms"
    )
    print(
        f"results per query: median {statistics.median(totals):.0f}, "
        f"capped at {api.CAP} in {sum(t >= api.CAP for t in totals)} of {len(totals)}"
    )


if __name__ == "__main__":
    main()
