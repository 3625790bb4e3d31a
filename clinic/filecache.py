"""The folder cache that every gunicorn worker on one machine shares, when there is
no Redis. Two changes to Django's FileBasedCache, both measured on page-cache hits
(docs/performance.md, Serving):

- Django lists the whole folder on every set() to decide whether to cull; with
  thousands of cached pages that listing costs more than rendering the page. Here
  the check runs on about one set() in CULL_CHECK_EVERY, so the folder may overshoot
  MAX_ENTRIES by a few dozen files between checks.
- Values are stored as plain pickles, not zlib-compressed ones: a cached page is read
  far more often than written, and decompressing 20 KB on every hit cost more than
  the file read. Files written compressed by an older version still read."""

import pickle
import random
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

CULL_CHECK_EVERY = 50
# Every pickle of protocol 2 or later starts with the PROTO opcode; a zlib stream
# never does (its first byte is 0x78 at the default window size).
PICKLE_PROTO = b"\x80"


def _loads(data):
    if data[:1] != PICKLE_PROTO:
        data = zlib.decompress(data)
    return pickle.loads(data)


class SharedFileCache(FileBasedCache):
    def _cull(self):
        if random.randrange(CULL_CHECK_EVERY) == 0:
            super()._cull()

    def get(self, key, default=None, version=None):
        fname = self._key_to_file(key, version)
        try:
            with open(fname, "rb") as f:
                if not self._is_expired(f):
                    return _loads(f.read())
        except FileNotFoundError:
            pass
        return default

    def _write_content(self, file, timeout, value):
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            with open(self._key_to_file(key, version), "r+b") as f:
                try:
                    locks.lock(f, locks.LOCK_EX)
                    if self._is_expired(f):
                        return False
                    previous_value = _loads(f.read())
                    f.seek(0)
                    f.truncate()
                    self._write_content(f, timeout, previous_value)
                    return True
                finally:
                    locks.unlock(f)
        except FileNotFoundError:
            return False
