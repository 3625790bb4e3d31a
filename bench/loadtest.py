"""
Load and fault suite (issue 6). Builds a site in a temporary folder (the bundled
sources plus generated articles), starts gunicorn on 127.0.0.1 with gunicorn.conf.py
and prints figures; exit status 1 if any check fails. About 2 minutes.

    .venv/bin/python bench/loadtest.py [--seconds 30] [--clients 64] [--articles 1000]

1. mixed load: `--clients` connections for `--seconds` over pages and searches (wrk)
2. a worker killed with SIGKILL under load: replaced, the others keep serving
3. a graceful reload (HUP) under load: no request dropped
4. SQLite: eight processes saving at once; the admin saving while an import runs
5. another process holding the write lock past the timeout: 503 for writes, reads
   work, nothing half-written

The short versions of 2 to 5 are pytest tests (tests/production/).
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import site, wrk  # noqa: E402
from bench.fixtures import queries  # noqa: E402
from tests.production.servers import (  # noqa: E402
    Browser,
    Server,
    fetch,
    form_fields,
    hammer,
    percentile,
)
from tests.production.test_sqlite_writes import SAVER, dict_list  # noqa: E402

failures = []


def check(ok, message):
    print(f"  {'ok  ' if ok else 'FAIL'} {message}", flush=True)
    if not ok:
        failures.append(message)


def mixed_paths(paths):
    searches = [f"/search/?q={q.replace(' ', '+')}" for q in queries(100)]
    pages = (
        ["/", "/treatments/", "/articles/", "/faq/", "/tags/"]
        + paths["articles"][:100]
        + paths["treatments"]
        + [f"/tags/{t}/" for t in paths["tags"]]
    )
    # About one request in four is a search.
    return [p for pair in zip(pages * 3, searches, strict=False) for p in pair] + pages


def mixed_load(env, paths, seconds, clients):
    print(f"\n1. mixed load: {clients} clients for {seconds} s (wrk)", flush=True)
    with Server(env, workers=None, threads=None) as server:
        urls = mixed_paths(paths)
        for path in urls:
            fetch(server.url(path))
        figures = wrk.run(server.url("/"), urls, seconds, clients, threads=2)
    print(f"  {figures.requests} requests, {figures.row()}", flush=True)
    check(figures.errors == 0, f"no errors ({figures.errors})")
    return figures


def under_load(env, paths, seconds, action):
    with Server(env, workers=None, threads=None) as server:
        urls = [server.url(p) for p in mixed_paths(paths)[:200]]
        before = server.worker_pids()
        seen = {}

        def during(elapsed):
            time.sleep(seconds / 3)
            seen["at"] = elapsed()
            seen["replaced"] = action(server, before)

        result = hammer(urls, seconds, clients=16, during=during)
    rate = result.ok / seconds
    p50 = percentile(result.latencies, 50) * 1000
    p99 = percentile(result.latencies, 99) * 1000
    print(
        f"  {result.ok} requests ({rate:.0f}/s), p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{len(result.errors)} errors",
        flush=True,
    )
    return result, seen


def kill_worker(env, paths, seconds):
    print(f"\n2. SIGKILL one worker under load (16 clients, {seconds} s)", flush=True)

    def action(server, before):
        os.kill(before[0], signal.SIGKILL)
        return server.wait_for_workers(exclude=[before[0]])

    result, seen = under_load(env, paths, seconds, action)
    late = [e for e in result.errors if e[0] > seen["at"] + 1]
    check(bool(seen["replaced"]), f"master replaced the worker: {seen['replaced']}")
    check(not late, f"no failures after the kill moment ({len(late)})")
    check(
        len(result.errors) <= 16,
        f"only requests held by the killed worker failed ({len(result.errors)})",
    )


def reload_workers(env, paths, seconds):
    print(
        f"\n3. graceful reload (HUP) under load (16 clients, {seconds} s)", flush=True
    )

    def action(server, before):
        server.process.send_signal(signal.SIGHUP)
        return server.wait_for_workers(exclude=before)

    result, seen = under_load(env, paths, seconds, action)
    check(bool(seen["replaced"]), "every worker replaced")
    check(not result.errors, f"no request dropped ({result.errors[:3]})")


def concurrent_saves(env, saves=50):
    print(
        f"\n4a. SQLite: eight processes, {saves} read-then-write saves each", flush=True
    )
    start = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(n), str(start), str(saves)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    results = [
        json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in processes
    ]
    took = time.time() - start
    ok = sum(r["ok"] for r in results)
    locked = sum(r["locked"] for r in results)
    print(f"  {ok} saves in {took:.1f} s ({ok / took:.0f}/s), {locked} locked")
    check(locked == 0 and ok == 8 * saves, "no 'database is locked'")


def admin_during_import(env, work, documents=200):
    print(f"\n4b. admin saves while `import_sources` imports {documents} documents")
    from bench.corpus import documents as corpus

    folder = work / "corpus"
    folder.mkdir(exist_ok=True)
    for name, data in corpus(documents, seed=11):
        (folder / name).write_bytes(data)
    with Server(env, workers=None, threads=None) as server:
        staff = Browser(server)
        staff.sign_in()
        path = "/admin/articles/article/1/change/"
        started = time.monotonic()
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_sources", "--publish", str(folder)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        statuses = []
        while importer.poll() is None:
            fields = form_fields(staff.get(path).text(), "article_form")
            fields = [
                (k, f"Saved during import {len(statuses)}" if k == "summary" else v)
                for k, v in fields
            ]
            response = staff.request("POST", path, dict_list(fields + [("_save", "")]))
            statuses.append(response.status)
        output = importer.communicate()[0]
        took = time.monotonic() - started
    print(
        f"  import took {took:.1f} s; {len(statuses)} admin saves: "
        f"{ {s: statuses.count(s) for s in set(statuses)} }"
    )
    check(importer.returncode == 0, "import succeeded")
    check("locked" not in output, "no 'database is locked' in the import")
    check(set(statuses) == {302}, "every admin save succeeded")


def lock_holder(env, var):
    print("\n5. another process holds the write lock for 3 s (timeout 1 s)", flush=True)
    database = var / "clinic.sqlite3"
    with Server(
        {**env, "CLINIC_SQLITE_TIMEOUT": "1"}, workers=None, threads=None
    ) as server:
        staff = Browser(server)
        staff.sign_in()
        path = "/admin/articles/article/1/change/"
        before = (
            sqlite3.connect(database)
            .execute("select title, summary from articles_article where id = 1")
            .fetchone()
        )
        fields = dict_list(
            [
                (k, "Half-written?" if k in ("title", "summary") else v)
                for k, v in form_fields(staff.get(path).text(), "article_form")
            ]
            + [("_save", "")]
        )
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        held = time.monotonic()
        try:
            reads = [fetch(server.url(p)).status for p in ("/", "/faq/", "/articles/")]
            reads.append(staff.get(path).status)
            started = time.monotonic()
            write = staff.request("POST", path, fields)
            waited = time.monotonic() - started
            time.sleep(max(0, 3 - (time.monotonic() - held)))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = (
            sqlite3.connect(database)
            .execute("select title, summary from articles_article where id = 1")
            .fetchone()
        )
        retry = staff.request("POST", path, fields).status
    print(
        f"  reads {reads}; write {write.status} after {waited:.1f} s "
        f"(Retry-After {write.headers.get('retry-after')}); retry {retry}"
    )
    check(set(reads) == {200}, "reads keep working")
    check(write.status == 503 and "retry-after" in write.headers, "write gets a 503")
    check(after == before, "nothing half-written")
    check(retry == 302, "the same write succeeds once the lock is free")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--fault-seconds", type=int, default=10)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not wrk.available():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    try:
        var = work / "var"
        started = time.monotonic()
        env = site.build(var, work / "static", args.articles)
        paths = site.sample_paths(env)
        print(
            f"site: {args.articles} generated articles plus the bundled sources, "
            f"built in {time.monotonic() - started:.0f} s; "
            f"gunicorn.conf.py defaults ({os.cpu_count()} cores)"
        )
        mixed_load(env, paths, args.seconds, args.clients)
        kill_worker(env, paths, args.fault_seconds)
        reload_workers(env, paths, args.fault_seconds)
        concurrent_saves(env)
        admin_during_import(env, work)
        lock_holder(env, var)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\n" + ("all checks passed" if not failures else f"FAILED: {failures}"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
