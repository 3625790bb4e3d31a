"""
Serving benchmark (issue 6): clinic with 1,000 and with 20,000 articles beside a
minimal Django view returning a prebuilt 20 KB page (bench/ceiling.py), all on
gunicorn with the same gunicorn.conf.py, one server at a time on 127.0.0.1, measured
with wrk at 16 connections.

    .venv/bin/python bench/serve_bench.py [--seconds 8] [--sizes 1000,20000] [--keep]

For each size it prints requests per second, p50 and p99 for the home page, an
article, a treatment, the FAQ, a tag page and a search, each as a share of the
ceiling: once with the page cache (one URL each, cache warm) and once with the page
cache off (CLINIC_PAGE_CACHE_SECONDS=0; the article row then cycles through 200
different articles). Targets: cached pages >= 80% of the ceiling, uncached article
pages >= 40%, p99 < 100 ms, and little change from 1,000 to 20,000 articles.
Sites are built in a temporary folder (never the shared var/).
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import site, wrk  # noqa: E402
from tests.production.servers import Server, fetch, production_env  # noqa: E402

CONNECTIONS = 16


def measure(server, paths, seconds):
    for path in paths[:50]:  # warm the cache and the workers
        fetch(server.url(path))
    wrk.run(server.url("/"), paths, 1, CONNECTIONS)
    return wrk.run(server.url("/"), paths, seconds, CONNECTIONS)


def page_sets(paths):
    return {
        "home": ["/"],
        "article": paths["articles"][:1],
        "treatment": paths["treatments"][:1],
        "faq": ["/faq/"],
        "tag": [f"/tags/{paths['tags'][0]}/"],
        "search": ["/search/?q=microneedling+scars"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not wrk.available():
        sys.exit("wrk is not installed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    static_root = work / "static"
    results = {}
    try:
        env = production_env(work / "ceiling", static_root)
        with Server(
            env, workers=None, threads=None, app="bench.ceiling:application"
        ) as s:
            ceiling = measure(s, ["/"], args.seconds)
        print(f"ceiling (20 KB Django view)      {ceiling.row()}", flush=True)

        for size in [int(n) for n in args.sizes.split(",")]:
            started = time.monotonic()
            env = site.build(work / f"site-{size}", static_root, size)
            paths = site.sample_paths(env)
            print(
                f"\nclinic, {size:,} articles (built in "
                f"{time.monotonic() - started:.0f} s)",
                flush=True,
            )
            pages = page_sets(paths)
            for label, cache_seconds in (("cached", "600"), ("uncached", "0")):
                run_env = {**env, "CLINIC_PAGE_CACHE_SECONDS": cache_seconds}
                with Server(run_env, workers=None, threads=None) as server:
                    for name, urls in pages.items():
                        if label == "uncached" and name == "article":
                            urls = paths["articles"]
                        figures = measure(server, urls, args.seconds)
                        results[(size, label, name)] = figures
                        print(
                            f"  {label:8} {name:9} {figures.row()}  "
                            f"{figures.rps / ceiling.rps:5.0%} of ceiling"
                            + (f"  ERRORS {figures.errors}" if figures.errors else ""),
                            flush=True,
                        )
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
