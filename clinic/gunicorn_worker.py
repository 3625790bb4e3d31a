"""
gunicorn's threaded worker, made to finish what it accepted before it stops.

gunicorn 23's gthread worker drops connections when it stops gracefully (after
max_requests, on HUP, on TERM): connections it has accepted but whose request it has
not read yet are closed with a reset (benoitc/gunicorn#3038, fix still open as #3039),
and keep-alive connections whose last response promised "keep-alive" are closed
under the client's next request. Under load that is a few failed requests at every
worker recycle; our load test saw them (wrk: 16 read errors in 25,000 requests).

This worker stops accepting as soon as it is told to stop, then, within
graceful_timeout: serves the connections already accepted, and for DRAIN_KEEPALIVE
seconds keeps answering keep-alive connections, each response now saying
"Connection: close", so a client's next request goes to a live worker.
"""

import selectors
import time
from concurrent import futures
from functools import partial

from gunicorn.workers import gthread

# Long enough for a busy client's next request on a kept-alive connection; an idle
# browser connection is closed after it, as keepalive would close it anyway.
DRAIN_KEEPALIVE = 1.0


class ThreadWorker(gthread.ThreadWorker):
    drained = False

    def accept(self, server, listener):
        # The worker may have been told to stop while the poller was waiting:
        # leave the connection in the listen queue for a live worker.
        if self.alive:
            super().accept(server, listener)

    def pending_connections(self):
        """Accepted connections whose first request has not been read yet."""
        with self._lock:
            keys = list(self.poller.get_map().values())
        return [
            key
            for key in keys
            if getattr(key.data, "func", None) == self.on_client_socket_readable
            and not key.data.args[0].initialized
        ]

    def run(self):
        # gthread.ThreadWorker.run() up to its loop's end, then the drain.
        for sock in self.sockets:
            sock.setblocking(False)
            server = sock.getsockname()
            acceptor = partial(self.accept, server)
            self.poller.register(sock, selectors.EVENT_READ, acceptor)

        parent_alive = True
        while self.alive:
            self.notify()
            if self.nr_conns < self.worker_connections:
                for key, _ in self.poller.select(1.0):
                    key.data(key.fileobj)
                result = futures.wait(
                    self.futures, timeout=0, return_when=futures.FIRST_COMPLETED
                )
            else:
                result = futures.wait(
                    self.futures, timeout=1.0, return_when=futures.FIRST_COMPLETED
                )
            for fut in result.done:
                self.futures.remove(fut)
            if not self.is_parent_alive():
                parent_alive = False
                break
            self.murder_keepalived()

        if parent_alive:
            self.drain()

        self.tpool.shutdown(False)
        self.poller.close()
        for s in self.sockets:
            s.close()
        futures.wait(self.futures, timeout=self.cfg.graceful_timeout)

    def finish_request(self, fs):
        # Until the drain is over, a kept-alive connection goes back to the poller
        # even though the worker is stopping: its next request is answered (with
        # Connection: close) instead of being cut off.
        if self.alive or self.drained or fs.cancelled() or fs.exception():
            return super().finish_request(fs)
        keepalive, conn = fs.result()
        if not keepalive:
            return super().finish_request(fs)
        conn.sock.setblocking(False)
        conn.set_timeout()
        with self._lock:
            self._keep.append(conn)
            self.poller.register(
                conn.sock,
                selectors.EVENT_READ,
                partial(self.on_client_socket_readable, conn),
            )

    def drain(self):
        """Stop listening, then serve what was accepted (bounded by
        graceful_timeout); see the module docstring."""
        for sock in self.sockets:
            try:
                self.poller.unregister(sock)
            except (KeyError, ValueError):
                pass
        now = time.monotonic()
        deadline = now + self.cfg.graceful_timeout
        keepalive_until = now + DRAIN_KEEPALIVE
        while now < deadline:
            if not (
                self.pending_connections()
                or self.futures
                or (self._keep and now < keepalive_until)
            ):
                break
            self.notify()
            for key, _ in self.poller.select(0.05):
                key.data(key.fileobj)
            done = futures.wait(self.futures, timeout=0).done
            for fut in done:
                self.futures.remove(fut)
            now = time.monotonic()
        self.drained = True
