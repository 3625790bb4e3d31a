"""gunicorn settings for clinic. Every value can be overridden from the environment
(GUNICORN_*), so load tests and operators need no second file."""

import multiprocessing
import os

# Loopback by default; a reverse proxy or load balancer sits in front in production.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers: a slow client ties up one thread, not a whole process, so a
# handful of slow clients cannot make the site unreachable (sync workers could).
# clinic's gthread subclass finishes the connections it accepted before a graceful
# stop (max_requests, HUP); gunicorn 23's own drops them (clinic/gunicorn_worker.py).
worker_class = "clinic.gunicorn_worker.ThreadWorker"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))

# A request that takes longer than this is stuck: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On HUP or shutdown, in-flight requests get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Recycle workers now and then so a slow leak can never grow without bound; the
# jitter keeps them from all restarting at the same moment.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))

# Workers' heartbeat files in memory, not on a disk that may stall under load.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Load the app once in the master and fork: faster restarts, shared memory pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

# Logs to stdout/stderr, where the process manager collects them.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# Requests larger than this are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100

# Trust X-Forwarded-* only from the local proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
