"""
Serving benchmark (issue 6): clinic with 1,000 and with 20,000 articles beside a
minimal Django view returning a prebuilt 20 KB page (bench/ceiling.py), all on
gunicorn with the same gunicorn.conf.py, one server at a time on 127.0.0.1, measured
with wrk at 16 connections.

    .venv/bin/python bench/serve_bench.py [--seconds 8] [--sizes 1000,20000]
        [--pages article,tags] [--ports 8100-8199] [--sites DIR] [--keep]
    .venv/bin/python bench/serve_bench.py --in-process [--requests 200]
        [--profile article] [--sites DIR] [--compare TREE [--rounds 5]]

For each size it prints requests per second, p50 and p99 for the home page, an
article, a treatment, the FAQ, a tag page (a common and a rare tag), the topic list,
the sitemap and a search, each as a share of the ceiling: once with the page cache
(one URL each, cache warm) and once with the page cache off
(CLINIC_PAGE_CACHE_SECONDS=0; the article row then cycles through 200 different
articles). Targets: cached pages >= 80% of the ceiling, uncached article pages >= 40%,
p99 < 100 ms, and little change from 1,000 to 20,000 articles. Each row also gives the
server's CPU per request (gunicorn master and workers, read from /proc) and the
ceiling's CPU per request as a share of it: the same ratio, much less moved by
whatever else the machine is running.

--in-process measures the uncached pages without a server or wrk: one Django process
per size renders each page through the whole middleware stack (Django's test
client) and prints the process CPU time per request, the wall time, the queries per
request and the load average. On a shared two-core machine CPU time is the figure to
compare; wall time includes waiting for a core. --profile PAGE adds cProfile's top
functions for one page type. --compare TREE measures another copy of the code (for
example `git archive HEAD | tar -x -C /tmp/before`) on the same sites, interleaved:
one process per tree, taking turns page by page for --rounds rounds, so both see the
same load; /robots.txt is the control, a page no change touches.

Sites are built in a temporary folder (never the shared var/), or in --sites DIR,
where a site already built is reused.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import site, wrk  # noqa: E402
from bench.cpu import cpu_seconds  # noqa: E402
from tests.production.servers import (  # noqa: E402
    Server,
    django_script,
    fetch,
    free_port,
    production_env,
)

CONNECTIONS = 16

IN_PROCESS = """
import cProfile, json, os, pstats, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# Each page: `requests` requests, or as many as 10 s allow (at least 5).
pages, requests, profile = json.loads({args!r})
client = Client(HTTP_HOST="127.0.0.1")

def get(url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)

for name, urls in pages.items():
    for url in urls[:20]:
        get(url)
    with CaptureQueriesContext(connection) as queries:
        get(urls[0])
    count = len(queries)  # the next request clears the connection's query log
    cpu, started = [], time.perf_counter()
    while len(cpu) < requests and (len(cpu) < 5 or time.perf_counter() - started < 10):
        before = time.process_time()
        get(urls[len(cpu) % len(urls)])
        cpu.append(time.process_time() - before)
    wall = (time.perf_counter() - started) / len(cpu)
    # The median: robust to the odd request that shared its core with another job.
    print(json.dumps([name, statistics.median(cpu) * 1000, wall * 1000,
                      count, os.getloadavg()[0]]), flush=True)
    if name == profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [get(urls[i % len(urls)]) for i in range(requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
"""


COMPARE_WORKER = """
import json, statistics, sys, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pages = json.loads({pages!r})
client = Client(HTTP_HOST="127.0.0.1")

def get(url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)

for urls in pages.values():
    for url in urls[:20]:
        get(url)
print("ready", flush=True)
done = dict.fromkeys(pages, 0)  # later rounds go on through the page's URLs
for line in sys.stdin:
    name, requests = line.split()
    urls = pages[name]
    with CaptureQueriesContext(connection) as queries:
        get(urls[0])
    count = len(queries)
    cpu = []
    for i in range(done[name], done[name] + int(requests)):
        before = time.process_time()
        get(urls[i % len(urls)])
        cpu.append(time.process_time() - before)
    done[name] += int(requests)
    print(json.dumps([statistics.median(cpu) * 1000, count]), flush=True)
"""


def compare(env, paths, wanted, requests, other, rounds):
    """This tree against `other`, interleaved: median CPU ms per request, per tree
    the median over the rounds of each round's median."""
    pages = {"robots": ["/robots.txt"], **uncached_pages(paths, wanted)}
    code = "import django; django.setup()\n" + COMPARE_WORKER.format(
        pages=json.dumps(pages)
    )
    trees = {"this": ROOT, "other": Path(other).resolve()}
    workers = {}
    for label, tree in trees.items():
        workers[label] = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**env, "CLINIC_PAGE_CACHE_SECONDS": "0", "PYTHONPATH": str(tree)},
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    try:
        for worker in workers.values():
            assert worker.stdout.readline().strip() == "ready"
        cpu = {(label, name): [] for label in workers for name in pages}
        queries, loads = {}, []
        # Per-request median inside a round, then the median over the rounds;
        # who goes first alternates, so neither tree always follows the other.
        per_round = max(5, requests // rounds)
        for round_ in range(rounds):
            for name in pages:
                order = list(workers) if round_ % 2 == 0 else list(workers)[::-1]
                for label in order:
                    worker = workers[label]
                    worker.stdin.write(f"{name} {per_round}\n")
                    worker.stdin.flush()
                    ms, count = json.loads(worker.stdout.readline())
                    cpu[(label, name)].append(ms)
                    queries[(label, name)] = count
            loads.append(os.getloadavg()[0])
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    print(
        f"  load {min(loads):.1f} to {max(loads):.1f}; median CPU ms per request "
        f"(queries); other = {trees['other']}",
        flush=True,
    )
    for name in pages:
        this = statistics.median(cpu[("this", name)])
        before = statistics.median(cpu[("other", name)])
        print(
            f"  {name:9} other {before:6.2f} ({queries[('other', name)]:2d} q)  "
            f"this {this:6.2f} ({queries[('this', name)]:2d} q)  "
            f"this/other {this / before:5.0%}",
            flush=True,
        )


def server_cpu(server):
    """Seconds of CPU the gunicorn master and its workers have used so far. A
    worker replaced after max_requests is counted too: its time moves into the
    master's children's time when the master reaps it."""
    master = cpu_seconds(server.process.pid, children=True) or 0
    # A worker that has just exited has no /proc entry (None).
    return master + sum(cpu_seconds(pid) or 0 for pid in server.worker_pids())


def measure(server, paths, seconds):
    """wrk's figures, and the server's CPU milliseconds per request: on a shared
    machine requests per second move with the load, CPU per request much less."""
    for path in paths[:50]:  # warm the cache and the workers
        fetch(server.url(path))
    wrk.run(server.url("/"), paths, 1, CONNECTIONS)
    before = server_cpu(server)
    figures = wrk.run(server.url("/"), paths, seconds, CONNECTIONS)
    figures.cpu_ms = 1000 * (server_cpu(server) - before) / max(figures.requests, 1)
    return figures


PAGES = (
    "home",
    "article",
    "treatment",
    "faq",
    "tag",
    "rare-tag",
    "tags",
    "sitemap",
    "search",
)


def page_sets(paths):
    return {
        "home": ["/"],
        "article": paths["articles"][:1],
        "treatment": paths["treatments"][:1],
        "faq": ["/faq/"],
        "tag": [f"/tags/{paths['tags'][0]}/"],
        "rare-tag": [f"/tags/{paths['rare_tag']}/"],
        "tags": ["/tags/"],
        # The largest sitemap file (the index, /sitemap.xml, lists it).
        "sitemap": ["/sitemap-articles.xml"],
        "search": ["/search/?q=microneedling+scars"],
    }


def uncached_pages(paths, wanted):
    pages = {k: v for k, v in page_sets(paths).items() if k in wanted}
    if "article" in pages:
        pages["article"] = paths["articles"]
    return pages


def in_process(env, paths, wanted, requests, profile):
    """Uncached pages rendered in one Django process: CPU and wall ms per request."""
    pages = uncached_pages(paths, wanted)
    code = IN_PROCESS.format(args=json.dumps([pages, requests, profile]))
    out = django_script({**env, "CLINIC_PAGE_CACHE_SECONDS": "0"}, code, 1800)
    for line in out.splitlines():
        if line.startswith("["):
            name, cpu, wall, queries, load = json.loads(line)
            print(
                f"  {name:9} CPU {cpu:6.2f} ms (median)  wall {wall:6.2f} ms (mean)  "
                f"{queries:2d} queries  load {load:4.1f}",
                flush=True,
            )
        elif profile:
            print(line)


def build(sites, size, static_root):
    """The site of `size` articles in `sites`, built unless it was already."""
    var_dir = sites / f"site-{size}"
    done = var_dir / "built"
    if done.exists():
        return production_env(var_dir, static_root)
    env = site.build(var_dir, static_root, size)
    done.touch()
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--ports", default="8100-8199", help="LOW-HIGH on 127.0.0.1")
    parser.add_argument("--sites", type=Path, help="build or reuse sites here")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", help="with --in-process: cProfile this page")
    parser.add_argument(
        "--compare", help="with --in-process: another copy of the code, interleaved"
    )
    parser.add_argument("--rounds", type=int, default=5, help="with --compare")
    args = parser.parse_args()
    wanted = args.pages.split(",")
    low, high = (int(p) for p in args.ports.split("-"))
    if not (args.in_process or wrk.available()):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    work = args.sites or Path(tempfile.mkdtemp(prefix="serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    static_root = work / "static"
    try:
        ceiling = None
        if not args.in_process:
            env = production_env(work / "ceiling", static_root)
            with Server(
                env,
                workers=None,
                threads=None,
                port=free_port(low, high),
                app="bench.ceiling:application",
            ) as s:
                ceiling = measure(s, ["/"], args.seconds)
            print(
                f"ceiling (20 KB Django view)      {ceiling.row()}  "
                f"CPU {ceiling.cpu_ms:5.2f} ms/req  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )

        for size in [int(n) for n in args.sizes.split(",")]:
            started = time.monotonic()
            env = build(work, size, static_root)
            paths = site.sample_paths(env)
            print(
                f"\nclinic, {size:,} articles (ready in "
                f"{time.monotonic() - started:.0f} s)",
                flush=True,
            )
            if args.in_process and args.compare:
                compare(env, paths, wanted, args.requests, args.compare, args.rounds)
                continue
            if args.in_process:
                in_process(env, paths, wanted, args.requests, args.profile)
                continue
            for label, cache_seconds in (("cached", "600"), ("uncached", "0")):
                pages = (
                    uncached_pages(paths, wanted)
                    if label == "uncached"
                    else {k: v for k, v in page_sets(paths).items() if k in wanted}
                )
                run_env = {**env, "CLINIC_PAGE_CACHE_SECONDS": cache_seconds}
                with Server(
                    run_env, workers=None, threads=None, port=free_port(low, high)
                ) as server:
                    for name, urls in pages.items():
                        figures = measure(server, urls, args.seconds)
                        print(
                            f"  {label:8} {name:9} {figures.row()}  "
                            f"{figures.rps / ceiling.rps:5.0%} of ceiling  "
                            f"CPU {figures.cpu_ms:5.2f} ms/req "
                            f"({ceiling.cpu_ms / figures.cpu_ms:4.0%})  "
                            f"load {os.getloadavg()[0]:4.1f}"
                            + (f"  ERRORS {figures.errors}" if figures.errors else ""),
                            flush=True,
                        )
    finally:
        if args.keep or args.sites:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
