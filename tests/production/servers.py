"""Helpers for tests (and bench/) that run clinic the way production does: real
gunicorn processes on 127.0.0.1 (ports 8100-8199, or CLINIC_TEST_PORTS), each with
its own state folder."""

import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"


def free_port(low=None, high=None):
    """A free port in low-high, by default CLINIC_TEST_PORTS (e.g. "8400-8499"):
    engineers sharing a machine each keep to their own range."""
    if low is None:
        low, high = map(
            int, os.environ.get("CLINIC_TEST_PORTS", "8100-8199").split("-")
        )
    ports = list(range(low, high + 1))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


def production_env(var_dir, static_root, **extra):
    """Production settings (debug off) over plain HTTP on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_", "CLINIC_", "PYTEST"))
        and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY="load-test-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="WARNING",
        CLINIC_VAR_DIR=str(var_dir),
        DJANGO_STATIC_ROOT=str(static_root),
        GUNICORN_ACCESSLOG="",
        GUNICORN_LOGLEVEL="warning",
        PYTHONPATH=str(ROOT),
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def manage(env, *args, timeout=300):
    return run(env, "manage.py", *args, timeout=timeout)


def django_script(env, code, timeout=300):
    return run(env, "-c", "import django; django.setup()\n" + code, timeout=timeout)


def collectstatic(env):
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


SAMPLE_CONTENT = """
from django.contrib.auth.models import User
from tests.factories import make_article, make_question, make_treatment
User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
for i in range(4):
    t = make_treatment(title=f"Treatment {i}", tags=["scars", f"topic-{i}"])
    make_question(question=f"Does treatment {i} hurt?", treatment=t, tags=["scars"])
    for j in range(5):
        make_article(title=f"Article {i}-{j}", tags=["scars"], treatments=[t])
"""


def build_site(var_dir, static_root, content=SAMPLE_CONTENT, **extra):
    """Migrate a fresh database in var_dir and fill it; returns the env to reuse."""
    env = production_env(var_dir, static_root, **extra)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    django_script(env, f"PASSWORD = {PASSWORD!r}\n{content}")
    return env


def copy_site(source_var, target_var):
    target_var.mkdir(parents=True, exist_ok=True)
    for path in Path(source_var).glob("clinic.sqlite3*"):
        shutil.copy2(path, target_var / path.name)


class Server:
    """One gunicorn master with its workers, started with gunicorn.conf.py."""

    def __init__(
        self, env, workers=2, threads=4, port=None, app="clinic.wsgi", **extra
    ):
        self.port = port or free_port()
        self.app = app
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        # None keeps gunicorn.conf.py's own choice (the core count).
        if workers is not None:
            self.env["GUNICORN_WORKERS"] = str(workers)
        if threads is not None:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.env.update({k: str(v) for k, v in extra.items()})
        self.workers = workers or int(
            self.env.get("GUNICORN_WORKERS", os.cpu_count() + 1)
        )
        self.log_path = Path(env["CLINIC_VAR_DIR"]) / f"gunicorn-{self.port}.log"
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, ready_timeout=60):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), self.app, "--config", "gunicorn.conf.py"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()}")
            try:
                if fetch(self.url("/healthz"), timeout=2).status == 200:
                    if len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn not ready:\n{self.log_path.read_text()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self):
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout
        return sorted(int(p) for p in out.split())

    def wait_for_workers(self, exclude=(), timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and not set(pids) & set(exclude):
                return pids
            time.sleep(0.1)
        raise AssertionError(f"workers not replaced: {self.worker_pids()}")


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    cookies: dict = field(default_factory=dict)

    def text(self):
        return self.body.decode("utf-8", "replace")


def fetch(url, method="GET", headers=None, body=None, timeout=10):
    """One request on a fresh connection (Connection: close)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(
            method,
            "/" + path,
            body=body,
            headers={"Connection": "close", **(headers or {})},
        )
        raw = connection.getresponse()
        data = raw.read()
        cookies = {}
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";")[0]
        headers = {k.lower(): v for k, v in raw.getheaders()}
        return Response(raw.status, headers, data, cookies)
    finally:
        connection.close()


class Browser:
    """Cookies and CSRF tokens across requests to one server, like a staff member's
    browser."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def request(self, method, path, data=None, timeout=30):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.server.url(path)
        response = fetch(self.server.url(path), method, headers, body, timeout)
        self.cookies.update(response.cookies)
        return response

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, data, form_page=None):
        """POST with the CSRF token read from the form page (path by default)."""
        page = self.get(form_page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": token[1]})

    def sign_in(self, username="admin", password=PASSWORD):
        response = self.post_form(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
        )
        assert response.status == 302, response.text()[:500]
        return response


@dataclass
class LoadResult:
    ok: int = 0
    errors: list = field(default_factory=list)  # (seconds since start, description)
    latencies: list = field(default_factory=list)


def hammer(urls, seconds, clients, during=None, expect=(200, 304)):
    """`clients` threads fetch `urls` round-robin on fresh connections for `seconds`;
    `during(elapsed)` runs in the calling thread meanwhile. Every response outside
    `expect` and every connection failure is an error."""
    result = LoadResult()
    lock = threading.Lock()
    start = time.monotonic()
    stop = start + seconds

    def client(n):
        i = n
        while time.monotonic() < stop:
            url = urls[i % len(urls)]
            i += 1
            t0 = time.monotonic()
            try:
                response = fetch(url, timeout=15)
                problem = (
                    None if response.status in expect else f"{response.status} {url}"
                )
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc} {url}"
            elapsed = time.monotonic() - t0
            with lock:
                if problem:
                    result.errors.append((t0 - start, problem))
                else:
                    result.ok += 1
                    result.latencies.append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    if during:
        during(lambda: time.monotonic() - start)
    for t in threads:
        t.join()
    return result


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append(
                (name, a.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            self.fields.append((name, value.removeprefix("\n")))
            self._textarea = None


def form_fields(html, form_id):
    """The (name, value) pairs a browser would submit from the form `form_id`."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields
