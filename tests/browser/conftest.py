"""Browser tests: the real Django server (pytest-django's live server) driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class OneRequestAtATimeServer:
    """Mixed into Django's threaded live server: a thread per connection, but one request at a time.

    With SQLite in memory, pytest-django hands the test's one database connection to every request
    thread. Chromium sends several requests at once (a page, its scripts, an htmx call), and two
    requests sharing one connection interleave their transactions: one request's audit event then
    found no atomic block (a test failed that way once under load). Holding a lock from the call
    of the application until its response is consumed and closed keeps each request's use of the
    connection whole; keep-alive connections still work, since the lock is per request.
    """

    request_lock = threading.Lock()

    def set_app(self, application: Callable[..., Any]) -> None:
        lock = self.request_lock

        def one_at_a_time(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with lock:
                result = application(environ, start_response)
                try:
                    return list(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(one_at_a_time)  # type: ignore[misc]


@pytest.fixture(scope="session")
def live_server(_serial_requests_on_a_shared_connection: None, live_server: Any) -> Any:
    """pytest-django's live server, started after the test databases exist and the server class is chosen."""
    return live_server


@pytest.fixture(scope="session")
def _serial_requests_on_a_shared_connection(django_db_setup: None) -> Iterator[None]:
    """On SQLite in memory, the live server serves one request at a time (see OneRequestAtATimeServer)."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connections
    from django.test.testcases import LiveServerThread

    if not any(connection.vendor == "sqlite" and connection.is_in_memory_db() for connection in connections.all()):  # type: ignore[attr-defined]
        yield
        return
    original = LiveServerThread.server_class
    LiveServerThread.server_class = type("SerialWSGIServer", (OneRequestAtATimeServer, ThreadedWSGIServer), {})
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser tests: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made by
    # the test itself (fixtures, assertions) are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    csp_violations = [text for text in console_errors if "Content Security Policy" in text]
    assert not csp_violations, f"the page broke its Content Security Policy: {csp_violations}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
