#!/usr/bin/env python3
"""A real HTTP server on 127.0.0.1 for Paperboy's feed tests.

Usage: fixture_server.py FIXTURES_DIR
Prints the port it listens on as the first line of stdout, then serves until
its standard input closes (so it never outlives the test process).

Routes:
  /fixtures/NAME        a file from FIXTURES_DIR, with ETag and Last-Modified;
                        If-None-Match / If-Modified-Since give 304
  /status/CODE          answers with that HTTP status
  /hang                 accepts the request and never answers
  /redirect?to=URL      302 to URL
  /big?bytes=N          N bytes of valid JSON-ish padding
  /bomb.xml             a billion-laughs entity-expansion bomb
  /malformed.xml        an Atom feed cut off in the middle
  /malformed.json       a JSON array with a syntax error
  /invalid-utf8.json    JSON whose title holds bytes that are not UTF-8
  /gzip/NAME            a fixture gzip-compressed (Content-Encoding: gzip) when the client accepts it
  /headers              echoes the request headers as JSON
  /count/PATH           how many requests PATH has had (JSON number)
  /alias/TAG/NAME       the fixture NAME, counted under its own path (for request counts)
  /user-agent.jsonl     one JSON Lines paper whose title is the request's User-Agent
  /gzip-bomb.json       a small gzip body that expands to 2 MB
  /closed-port          a port on 127.0.0.1 that nothing listens on
"""
import gzip
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(sys.argv[1])
COUNTS = {}
LOCK = threading.Lock()
LAST_MODIFIED = formatdate(1732000000, usegmt=True)

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001v1</id><title>&lol9;</title></entry></feed>
"""

MALFORMED_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/2401.00002v1</id>
    <title>Cut off
"""

MALFORMED_JSON = b'[{"title": "A paper", "summary": "fine"}, {"title": "Broken" "summary": "missing comma"}]'

INVALID_UTF8 = b'[{"title": "Caf\xc3 \xff\xfe broken", "summary": "bytes that are not UTF-8"}]'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, status, body, content_type="application/octet-stream", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET_fixture(self):
        path = urllib.parse.urlparse(self.path).path
        name = os.path.basename(path[len("/fixtures/"):])
        file = os.path.join(ROOT, name)
        if not os.path.isfile(file):
            return self.send_body(404, b"not found", "text/plain")
        body = open(file, "rb").read()
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-None-Match") is None
            and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        kind = "application/json" if name.endswith("json") else "application/atom+xml"
        return self.send_body(200, body, kind, validators)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        with LOCK:
            COUNTS[path] = COUNTS.get(path, 0) + 1

        if path.startswith("/fixtures/"):
            return self.do_GET_fixture()
        if path.startswith("/alias/"):
            self.path = "/fixtures/" + path.rsplit("/", 1)[1]
            return self.do_GET_fixture()
        if path == "/user-agent.jsonl":
            paper = {"id": "2401.00001", "title": self.headers.get("User-Agent", ""), "summary": "Echoes the User-Agent."}
            return self.send_body(200, json.dumps(paper).encode() + b"\n", "application/x-ndjson")
        if path == "/gzip-bomb.json":
            body = gzip.compress(b"[" + b" " * (2 * 1024 * 1024) + b"]")
            return self.send_body(200, body, "application/json", {"Content-Encoding": "gzip"})
        if path == "/closed-port":
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()
            return self.send_body(200, str(port).encode(), "application/json")
        if path.startswith("/gzip/"):
            body = open(os.path.join(ROOT, os.path.basename(path)), "rb").read()
            if "gzip" not in self.headers.get("Accept-Encoding", ""):
                return self.send_body(406, b"this route only answers gzip", "text/plain")
            return self.send_body(200, gzip.compress(body), "application/json", {"Content-Encoding": "gzip"})
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            return self.send_body(code, ("status %d" % code).encode(), "text/plain")
        if path == "/hang":
            time.sleep(60)
            return
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/big":
            size = int(query.get("bytes", ["1000000"])[0])
            return self.send_body(200, b"[" + b" " * (size - 2) + b"]", "application/json")
        if path == "/bomb.xml":
            return self.send_body(200, BOMB, "application/xml")
        if path == "/malformed.xml":
            return self.send_body(200, MALFORMED_XML, "application/xml")
        if path == "/malformed.json":
            return self.send_body(200, MALFORMED_JSON, "application/json")
        if path == "/invalid-utf8.json":
            return self.send_body(200, INVALID_UTF8, "application/json")
        if path == "/headers":
            return self.send_body(200, json.dumps(dict(self.headers.items())).encode(), "application/json")
        if path.startswith("/count/"):
            with LOCK:
                count = COUNTS.get(path[len("/count"):], 0)
            return self.send_body(200, str(count).encode(), "application/json")
        return self.send_body(404, b"no such route", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, size limits) reset the connection: expected here.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # returns when the test process closes our stdin or exits
    os._exit(0)


if __name__ == "__main__":
    main()
