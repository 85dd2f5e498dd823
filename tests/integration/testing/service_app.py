#!/usr/bin/env python3
"""A replica behind a Service in the service tests: a threaded HTTP/1.0 server on 127.0.0.1.

  service_app.py NAME PORT DIR

  GET /          200 "NAME\n" (which replica answered)
  GET /ready     200, or 503 while DIR/unready-NAME exists
  GET /healthz   200, or 500 while DIR/fail-NAME exists
  GET /slow?ms=N answers "NAME\n" after N ms (an in-flight request for the drain tests)

SIGTERM: stops accepting, lets the requests in flight finish, exits 0 (a well-behaved app).
"""
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

name, port, switches = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/ready":
            unready = os.path.exists(os.path.join(switches, "unready-" + name))
            self.reply(503 if unready else 200, "not ready\n" if unready else "ready\n")
        elif url.path == "/healthz":
            failing = os.path.exists(os.path.join(switches, "fail-" + name))
            self.reply(500 if failing else 200, "unhealthy\n" if failing else "ok\n")
        elif url.path == "/slow":
            time.sleep(int(parse_qs(url.query).get("ms", ["1000"])[0]) / 1000.0)
            self.reply(200, name + "\n")
        else:
            self.reply(200, name + "\n")

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the requests in flight
    request_queue_size = 128


server = Server(("127.0.0.1", port), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever(poll_interval=0.05)
server.server_close()
