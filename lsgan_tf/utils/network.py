"""Whether a download host can be reached, asked before a download starts: without a network a
download fails in seconds with one line, instead of a library's retries (minutes of urllib3
lines) and half-written folders. Standard library only."""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
from typing import Optional

TIMEOUT_SECONDS = 5.0


def _endpoint(url: str) -> tuple:
    """(host, port) a request for `url` connects to first: the HTTPS or HTTP proxy the environment
    names, else the URL's own host."""
    parsed = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
    proxy = os.environ.get(f"{parsed.scheme}_proxy") or os.environ.get(f"{parsed.scheme.upper()}_PROXY")
    if proxy:
        parsed = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)


def unreachable_reason(url: str, timeout: float = TIMEOUT_SECONDS) -> Optional[str]:
    """None when a TCP connection to `url`'s host (or its proxy) opens within `timeout` seconds,
    name resolution included; else why not, in a few words."""
    host, port = _endpoint(url)
    outcome = {}

    def connect():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as error:
            outcome["error"] = error.strerror or type(error).__name__
        else:
            outcome["error"] = None

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if "error" not in outcome:
        return f"no answer from {host}:{port} within {timeout:g} s"
    return None if outcome["error"] is None else f"{host}:{port}: {outcome['error']}"
