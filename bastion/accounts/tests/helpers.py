"""Assertions and sign-in steps shared by the accounts tests."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client

from bastion.accounts.testing import current_totp_code

NOT_LABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.styled: list[str] = []
        self.handlers: list[str] = []
        self.controls: list[dict[str, str]] = []
        self.label_targets: set[str] = set()
        self._label_depth = 0
        self.controls_in_labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline_scripts.append(self.get_starttag_text() or "")
        if "style" in attributes or tag == "style":
            self.styled.append(self.get_starttag_text() or "")
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.label_targets.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type", "text") not in NOT_LABELLED_TYPES:
            self.controls.append(attributes)
            if self._label_depth:
                self.controls_in_labels.add(attributes.get("id", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)


def assert_clean_page(html: str) -> None:
    """Extends base.html, no inline script, style or event handler, and every field has a label."""
    parser = _PageParser()
    parser.feed(html)
    assert 'class="topbar"' in html and "bastion/app.css" in html, "page does not extend base.html"
    assert not parser.inline_scripts, f"inline script: {parser.inline_scripts}"
    assert not parser.styled, f"inline style: {parser.styled}"
    assert not parser.handlers, f"inline event handlers: {parser.handlers}"
    for control in parser.controls:
        control_id = control.get("id", "")
        labelled = control_id in parser.label_targets or control_id in parser.controls_in_labels or control.get("aria-label")
        assert labelled, f"field without a label: {control}"


def password_sign_in(client: Client, login: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def full_sign_in(client: Client, login: str, password: str, totp_secret: str) -> None:
    """Password, then the TOTP code: a complete sign-in of a user with an authenticator app."""
    response = password_sign_in(client, login, password)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/", response
    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(totp_secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
