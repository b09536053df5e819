"""First start of a development installation: an administrator and a demo organisation."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from bastion.kernel.access.roles import Role

DEMO_STAFF = [
    # username, given name, family name, role, teams (the email is the username at demo.bastion.test)
    ("li.na", "娜", "李", Role.SALES_MANAGER, ("Sales East", "Sales West")),
    ("wang.wei", "伟", "王", Role.SALES_REP, ("Sales East",)),
    ("emma.jones", "Emma", "Jones", Role.SALES_REP, ("Sales West",)),
    ("zhang.min", "敏", "张", Role.SERVICE_AGENT, ("Service",)),
    ("olivia.smith", "Olivia", "Smith", Role.MARKETER, ("Marketing",)),
]


def served_url(host: str, port: int) -> str:
    """The address to open in a browser for a server bound to ``host``:``port``.

    A wildcard bind (``0.0.0.0``, ``::``) listens on this machine's loopback too, which is the one
    address that surely reaches it; an IPv6 address is put in brackets.
    """
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:  # a host name
        return f"http://{host}:{port}"
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return f"http://[{address}]:{port}" if address.version == 6 else f"http://{address}:{port}"


def bind_address(host: str, port: int) -> str:
    """``host:port`` as gunicorn's ``--bind`` takes it: an IPv6 address in brackets (``[::1]:8000``)."""
    bare = host.strip("[]")
    try:
        version = ipaddress.ip_address(bare).version
    except ValueError:  # a host name
        return f"{host}:{port}"
    return f"[{bare}]:{port}" if version == 6 else f"{bare}:{port}"


def first_run_setup(base_url: str) -> Iterator[str]:
    """Seed the demo organisation if the database has no users yet; yield what to tell the operator.

    ``base_url`` is where the web server is served (:func:`served_url`), e.g. ``http://127.0.0.1:8000``.
    """
    if get_user_model().objects.exists():
        return
    admin_password = seed_demo_organisation()
    yield "First start: created a demo organisation (companies, contacts and deals in English and Chinese)."
    yield f"Sign in at {base_url.rstrip('/')}{reverse('account_login')} with"
    yield "  username: admin"
    yield f"  password: {admin_password}   (shown once; you will choose your own at first sign-in)"
    yield "You will be asked to set up an authenticator app (TOTP) first: MFA is required for everyone."


def seed_demo_organisation(*, companies: int = 40, contacts: int = 400) -> str:
    """Create the administrator, demo staff in teams, and demo customers; return the admin's one-time password."""
    from bastion.accounts.actions import create_staff_user, ensure_team
    from bastion.commerce.demo import seed_demo_commerce
    from bastion.directory.demo import seed_demo_directory
    from bastion.engagement.demo import seed_demo_engagement
    from bastion.sales.demo import seed_demo_sales, seed_demo_scoring

    with transaction.atomic():
        admin, password = create_staff_user("admin", "admin@demo.bastion.test", Role.ADMINISTRATOR)
        owners = [admin]
        for username, given, family, role, team_names in DEMO_STAFF:
            teams = [ensure_team(name) for name in team_names]
            email = f"{username}@demo.bastion.test"
            names = {"first_name": given, "last_name": family}
            user, _ = create_staff_user(username, email, role, teams=teams, usable_password=False, **names)
            owners.append(user)
            if role == Role.SALES_MANAGER:  # the manager chain: li.na sees both sales teams' records
                for team in teams:
                    team.managers.add(user)
        seed_demo_directory(owners, companies=companies, contacts=contacts)
        sellers = [user for user in owners if user.membership.role in (Role.SALES_MANAGER, Role.SALES_REP)]
        seed_demo_sales(admin, sellers or owners)
        seed_demo_commerce(admin, sellers or owners)  # after the sales set-up: it needs the exchange rates
        seed_demo_engagement(sellers or owners)  # after the catalogue: product views name its SKUs
        seed_demo_scoring(admin)  # after the interactions: engagement rules count them
    assert password is not None  # noqa: S101 - create_staff_user returns one for a usable password
    return password
