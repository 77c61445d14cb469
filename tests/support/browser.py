"""One way to serve a test app on loopback and drive it with Debian's Chromium through Playwright."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this
# machine's closed network refuses; --no-sandbox because the tests run as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def listening_socket() -> Iterator[socket.socket]:
    """A socket bound to an ephemeral loopback port and listening, for :func:`serving`: a test
    that needs the port before the app exists (to build URLs with it) holds it from the start,
    so nothing else can take it in between."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        yield sock
    finally:
        sock.close()


@contextlib.contextmanager
def serving(app: Flask, port: int = 0, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread (on ``sock`` if given, from
    :func:`listening_socket`; else an ephemeral port unless ``port``); yield its base URL."""
    if sock is not None:
        port = int(sock.getsockname()[1])
    server = make_server("127.0.0.1", port, app, threaded=True,
                         fd=sock.fileno() if sock is not None else None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()
