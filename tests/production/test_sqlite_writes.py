"""SQLite under concurrent writes: no "database is locked" reaches a user."""

import json
import subprocess
import sys
import time

import pytest

from tests.production.servers import (
    ROOT,
    Browser,
    Server,
    form_fields,
    manage,
)

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_servers]

SAVER = """
import json, sys, time
import django
django.setup()
from django.db import OperationalError, transaction
from articles.models import Article

worker, start, saves = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
time.sleep(max(0, start - time.time()))
ok = locked = 0
for n in range(saves):
    try:
        # Read then write, as the admin's change view does.
        with transaction.atomic():
            article = Article.objects.get(pk=pks[(worker + n) % len(pks)])
            article.summary = f"Saved by process {worker}, round {n}."
            article.save()
        ok += 1
    except OperationalError as exc:
        locked += "locked" in str(exc)
print(json.dumps({"ok": ok, "locked": locked}))
"""


def test_eight_processes_saving_at_once_never_see_database_is_locked(site):
    var, env = site
    start = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(n), str(start), "15"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["locked"] for r in results) == 0
    assert sum(r["ok"] for r in results) == 8 * 15


def write_corpus(folder, n):
    sys.path.insert(0, str(ROOT))
    from bench.corpus import documents

    folder.mkdir()
    for name, data in documents(n):
        (folder / name).write_bytes(data)


def test_admin_saves_while_an_import_runs(site, tmp_path):
    var, env = site
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 30)
    with Server(env, workers=2, threads=4) as server:
        staff = Browser(server)
        staff.sign_in()
        path = "/admin/articles/article/1/change/"
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_sources", "--publish", str(corpus)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        statuses, rounds = [], 0
        try:
            while importer.poll() is None or rounds < 3:
                page = staff.get(path)
                assert page.status == 200
                fields = [
                    (k, f"Edited during import {rounds}" if k == "summary" else v)
                    for k, v in form_fields(page.text(), "article_form")
                ]
                response = staff.request(
                    "POST", path, dict_list(fields + [("_save", "Save")])
                )
                statuses.append(response.status)
                assert "database is locked" not in response.text()
                rounds += 1
            output = importer.communicate(timeout=300)[0]
        finally:
            if importer.poll() is None:
                importer.kill()
        assert importer.returncode == 0, output
        assert "database is locked" not in output
    assert statuses and set(statuses) == {302}, statuses
    summary = manage(
        env,
        "shell",
        "-c",
        "from articles.models import Article; print(Article.objects.get(pk=1).summary)",
    )
    assert summary.strip().splitlines()[-1] == f"Edited during import {rounds - 1}"


def dict_list(pairs):
    out = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out
