"""`bastion serve` (what `make run` runs) on a fresh data folder: migrates, seeds the demo,
prints how to sign in, serves the sign-in page and runs the job consumer and the audit sealer;
stops cleanly."""

from __future__ import annotations

import http.cookiejar
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_lines(process: subprocess.Popen[str], needles: set[str], seen: list[str], deadline_s: float = 120) -> None:
    """Read the process's output until every needle has appeared, or fail at the deadline."""
    assert process.stdout is not None
    waiting = set(needles)
    end = time.monotonic() + deadline_s
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while waiting and time.monotonic() < end:
            if not selector.select(timeout=end - time.monotonic()):
                break
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            waiting = {needle for needle in waiting if needle not in line}
    assert not waiting, f"never printed {waiting}:\n{''.join(seen)}"


def test_serve_on_a_fresh_data_folder(tmp_path: Path) -> None:
    port = free_port()
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_DATA_DIR": str(tmp_path), "BASTION_ENV": "development", "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bastion.cli", "serve", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: list[str] = []
    try:
        wait_for_lines(process, {"Listening at", "Huey consumer started", "username: admin", "audit sealer started"}, seen)
        output = "".join(seen)
        assert "username: admin" in output
        assert "password: " in output
        # The job consumer logs through our handler only: huey's own would print every line twice.
        assert not [line for line in seen if "INFO:huey:" in line], output
        assert [line for line in seen if "Huey consumer started" in line][0].split()[2:4] == ["INFO", "huey.consumer"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert b"csrfmiddlewaretoken" in response.read()
        assert failed_sign_in(port) == 200  # the form again, with its error; the web process recorded an audit event
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:  # noqa: S310
            assert response.status == 200
        assert (tmp_path / "bastion.sqlite3").exists()
        assert (tmp_path / "queue.sqlite3").exists()  # the job consumer opened its queue
        assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
        seen.append(rest)
    assert process.returncode == 0, "".join(seen)
    # The web process left sealing its event to the sealer process, which sealed it (while running
    # or, if it had not looked again yet, on stopping).
    stopped = re.search(r"audit sealer stopped: (\d+) events sealed while running, (\d+) on stopping", "".join(seen))
    assert stopped is not None and int(stopped[1]) + int(stopped[2]) >= 1, "".join(seen)


def failed_sign_in(port: int) -> int:
    """POST a wrong password to the sign-in form, with its CSRF token and cookie; the response's status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"http://127.0.0.1:{port}/accounts/login/"
    with opener.open(url, timeout=10) as response:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.read())
    assert token is not None
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1].decode(), "login": "admin", "password": "not the password"})
    request = urllib.request.Request(url, data=form.encode(), headers={"Referer": url})  # noqa: S310
    with opener.open(request, timeout=10) as response:
        return int(response.status)
