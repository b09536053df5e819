"""Every role lands, after sign-in, on a page it may use, and its main menu offers only such pages.

``/`` sends each user to the first page their role may use, and the menu of ``base.html`` shows
an entry only to the roles whose view would not refuse them: menu and views agree, so no role
meets a 403 (nor leaves an "Access denied" audit event) by following the menu.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from bastion.kernel.access.roles import POLICIES, Role
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from conftest import make_user

pytestmark = pytest.mark.django_db

# Every page the main menu may link to (Profile is everyone's; the rest depend on the role).
MENU_TARGETS = [
    "sales:dashboard",
    "directory:company-list",
    "directory:contact-list",
    "sales:my-day",
    "sales:lead-list",
    "sales:deal-board",
    "sales:deal-list",
    "commerce:product-list",
    "commerce:order-list",
    "directory:search",
    "imports:list",
    "sales:setup",
    "audit:event-list",
    "accounts:staff",
    "accounts:access-review",
    "accounts:profile",
]
ROLES = [*Role.values, None]  # None: a signed-in account without a role


class _NavLinks(HTMLParser):
    """The ``href`` of every link inside ``<nav class="mainnav">``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "nav" and ("mainnav" in classes or self.depth):
            self.depth += 1
        elif tag == "a" and self.depth:
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1


def nav_links(html: str) -> list[str]:
    parser = _NavLinks()
    parser.feed(html)
    return parser.links


@pytest.fixture
def member(db: Any, persona_password_hash: str, signed_in: Any) -> Any:
    """``member(role)``: a client signed in (second factor enrolled) as a new user with ``role``."""

    def sign_in(role: str | None) -> Any:
        return signed_in(make_user(f"member_{role or 'none'}", role, persona_password_hash))

    return sign_in


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_a_page_it_may_use_and_every_menu_link_answers(member: Any, role: str | None) -> None:
    client = member(role)
    landing = client.get("/")
    assert landing.status_code == 302
    page = client.get(landing["Location"])
    assert page.status_code == 200, (role, landing["Location"])
    links = nav_links(page.content.decode())
    assert reverse("accounts:profile") in links
    for link in links:
        assert client.get(link).status_code == 200, (role, link)
    assert not AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).exists()


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.ADMINISTRATOR, "directory:contact-list"),
        (Role.SALES_REP, "directory:contact-list"),
        (Role.READ_ONLY, "directory:contact-list"),
        (Role.SECURITY_OFFICER, "audit:event-list"),
        (Role.SALES_MANAGER, "directory:contact-list"),
        (Role.EXECUTIVE, "sales:dashboard"),
        (None, "accounts:profile"),
    ],
)
def test_the_landing_page_is_the_first_the_role_may_use(member: Any, role: str | None, landing: str) -> None:
    assert member(role).get("/")["Location"] == reverse(landing)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_hides_exactly_the_pages_the_role_is_refused(member: Any, role: str | None) -> None:
    """Menu and views agree both ways: what the menu leaves out, the view refuses."""
    client = member(role)
    shown = set(nav_links(client.get(reverse("accounts:profile")).content.decode()))
    for name in MENU_TARGETS:
        url = reverse(name)
        if url not in shown and not (name == "accounts:access-review" and reverse("accounts:staff") in shown):
            assert client.get(url).status_code == 403, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_is_in_the_menu_exactly_for_the_roles_with_dashboards(member: Any, role: str | None) -> None:
    links = nav_links(member(role).get(reverse("accounts:profile")).content.decode())
    assert (reverse("sales:dashboard") in links) is bool(role and POLICIES[role].dashboards), role


def test_the_administrators_menu_has_every_entry_including_orders(member: Any) -> None:
    links = nav_links(member(Role.ADMINISTRATOR).get(reverse("accounts:profile")).content.decode())
    expected = [reverse(name) for name in MENU_TARGETS if name != "accounts:access-review"]
    assert sorted(links) == sorted(expected)
