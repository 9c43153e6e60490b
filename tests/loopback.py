"""A stand-in for a download host: an HTTP server on 127.0.0.1 that serves given bytes and counts
the requests it answers, so that a download path is tested without leaving the machine."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List


class Loopback:
    """What the server serves (`files`: URL path -> bytes; `claimed_length`: path -> a
    Content-Length larger than the body, to cut a download short) and the paths it was asked for."""

    def __init__(self):
        self.files: Dict[str, bytes] = {}
        self.claimed_length: Dict[str, int] = {}
        self.requests: List[str] = []
        self.url = ""


@contextlib.contextmanager
def loopback_server() -> Iterator[Loopback]:
    """Serves a Loopback on 127.0.0.1 (a free port) for the block; `.url` is its base URL."""
    state = Loopback()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # http.server calls it by this name
            state.requests.append(self.path)
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(state.claimed_length.get(self.path, len(body))))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
