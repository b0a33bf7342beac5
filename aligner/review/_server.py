"""``aligner review --serve``: the page on a local HTTP server that saves what the person corrects.

The server listens on 127.0.0.1 only. ``GET /`` answers the page; ``POST
/save`` takes the corrected alignment as the project's JSON and writes it to
the output path. A save is refused (403) unless it comes from the page
itself: the Host header must name this server, the Origin header must be
this server's origin (a page of any other site that tries to post here is
refused, and so is DNS rebinding), and the request must carry the random
token the page was given. The posted JSON is read with the library's own
reader (`aligner.formats`), with the original sentences: every sentence
exactly once, in order, and the same text, or the answer is 400 and nothing
is written. The file is written atomically: a temporary file in the same
folder, then ``os.replace``, so a reader never sees half a file.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from .._fs import describe, replace_file
from ..alignment import Alignment
from ..errors import AlignerError, InputError, OutputError
from ._band import Band
from ._page import review_page

__all__ = ["ReviewServer", "write_atomically"]

HOST = "127.0.0.1"


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` as UTF-8 through a temporary file in the same folder; OutputError naming `path`."""
    final = Path(path)
    try:
        replace_file(final, text.encode("utf-8"),
                     final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"))
    except OSError as exc:
        raise OutputError(f"cannot write {str(final)!r}: {describe(exc)}") from None


class ReviewServer:
    """Serve the review page of `alignment` and save corrections to `output`.

    Args:
        alignment: the alignment to correct.
        output: the JSON file each save writes (its folder must exist).
        similarity: as in `review_page`.
        title: the page's title.
        port: the port on 127.0.0.1 (0: any free one; see `url`).

    Use `serve_forever` (blocks until `shutdown`), or `start` to serve from
    a thread, or ``with ReviewServer(...) as server:`` which starts and stops it.
    """

    def __init__(
        self, alignment: Alignment, output: str | os.PathLike[str], *,
        similarity: np.ndarray | Band | None = None, title: str | None = None, port: int = 0,
    ) -> None:
        self.alignment = alignment
        self.output = Path(output)
        if not self.output.parent.is_dir():
            raise InputError(f"cannot save to {str(self.output)!r}: the folder {str(self.output.parent)!r} does not exist")
        self.token = secrets.token_urlsafe(24)
        self.saves = 0
        try:
            self.httpd = HTTPServer((HOST, port), _handler(self))
        except OSError as exc:
            raise InputError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
        self.port = self.httpd.server_address[1]
        self.origins = {f"http://{HOST}:{self.port}", f"http://localhost:{self.port}"}
        self.page = review_page(
            alignment, similarity=similarity, title=title, filename=self.output.name, save_url="/save",
            token=self.token,
        ).encode("utf-8")
        # A corrected file is the same sentences and about as many beads: anything
        # far larger is not one.
        self.max_body = 4 * len(self.page) + (1 << 20)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "ReviewServer":
        self._thread = threading.Thread(target=self.serve_forever, name="aligner-review", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> "ReviewServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def save(self, text: str) -> dict:
        """Check the posted JSON and write it; raises AlignerError saying what is wrong."""
        from ..formats import dumps, loads

        a = self.alignment
        corrected = loads(text, "json", source_sentences=a.source_sentences, target_sentences=a.target_sentences)
        write_atomically(self.output, dumps(corrected, "json"))
        self.saves += 1
        return {"saved": str(self.output), "beads": len(corrected.beads),
                "edited": sum(b.edited for b in corrected.beads)}


def _handler(server: ReviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "aligner-review"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the command line says what matters; no line per request

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: dict) -> None:
            self._answer(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def _host_ok(self) -> bool:
            return self.headers.get("Host", "") in {o[len("http://"):] for o in server.origins}

        def do_GET(self) -> None:
            if not self._host_ok():
                return self._json(403, {"error": "wrong Host header"})
            if self.path.split("?")[0] in ("/", "/index.html"):
                return self._answer(200, server.page, "text/html; charset=utf-8")
            self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path != "/save":
                return self._json(404, {"error": "not found"})
            token = self.headers.get("X-Aligner-Token", "")
            if (not self._host_ok() or self.headers.get("Origin") not in server.origins
                    or not hmac.compare_digest(token.encode(), server.token.encode())):
                return self._json(403, {"error": "saves are accepted only from the review page this server serves"})
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                return self._json(415, {"error": "expected Content-Type: application/json"})
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._json(411, {"error": "a Content-Length is needed"})
            if not 0 < length <= server.max_body:
                return self._json(413, {"error": f"the body must be 1 to {server.max_body} bytes"})
            body = self.rfile.read(length)
            try:
                answer = server.save(body.decode("utf-8"))
            except UnicodeDecodeError:
                return self._json(400, {"error": "the body is not UTF-8"})
            except OutputError as exc:  # before AlignerError: the file cannot be written, the JSON was fine
                return self._json(500, {"error": str(exc)})
            except AlignerError as exc:
                return self._json(400, {"error": str(exc)})
            self._json(200, answer)

        def do_PUT(self) -> None:
            self._json(405, {"error": "only GET / and POST /save"})

        do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    return Handler
