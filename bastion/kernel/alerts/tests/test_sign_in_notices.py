"""Sign-in notices: a member of staff is emailed (real SMTP) when their account is signed in from a
network it had not used in 90 days; never for their first sign-in or a known network; never twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.accounts.testing import current_totp_code, enrol_totp
from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.models import SignInNotice
from bastion.kernel.alerts.notify import send_sign_in_notices
from bastion.kernel.alerts.sign_ins import network_of
from bastion.kernel.alerts.tests.helpers import emit
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.testing_smtp import Inbox, body

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


def signed_in(user: Any, address: str, **kwargs: Any) -> None:
    emit(EventKind.SIGN_IN_SUCCEEDED, 1, actor=user, address=address, target=user, **kwargs)


def test_networks_are_a_slash_24_or_a_slash_64() -> None:
    assert network_of("203.0.113.9") == network_of("203.0.113.200") == "203.0.113.0/24"
    assert network_of("2001:db8:1:2::5") == "2001:db8:1:2::/64" != network_of("2001:db8:1:3::5")


def test_a_new_network_is_told_once_and_a_known_one_never(personas: Any, smtp: Inbox) -> None:
    personas.rep_east.email = "rep.east@bastion.test"
    personas.rep_east.save(update_fields=["email"])
    signed_in(personas.rep_east, "203.0.113.9")  # the first sign-in ever: nothing to compare with
    signed_in(personas.rep_east, "203.0.113.77")  # the same /24
    scan()
    assert SignInNotice.objects.count() == 0 and send_sign_in_notices() == 0 and smtp.messages == []

    signed_in(personas.rep_east, "198.51.100.7", start=timezone.now() - dt.timedelta(seconds=30))
    signed_in(personas.rep_east, "198.51.100.8")  # the same new network again, in the same run
    scan()

    [notice] = SignInNotice.objects.all()
    assert (notice.user_id, notice.address) == (personas.rep_east.pk, "198.51.100.7")
    assert send_sign_in_notices() == 1
    [message] = smtp.messages
    assert message["X-Envelope-To"] == "rep.east@bastion.test"
    assert message["Subject"] == "[Bastion] New sign-in to your account from 198.51.100.7"
    text = body(message)
    assert "rep_east" in text and "198.51.100.7" in text and "/accounts/profile/" in text and "如果不是你" in text
    scan()
    assert SignInNotice.objects.count() == 1 and send_sign_in_notices() == 0 and len(smtp.messages) == 1


def test_a_network_unused_for_90_days_is_new_again(personas: Any) -> None:
    signed_in(personas.rep_west, "203.0.113.9", start=timezone.now() - dt.timedelta(days=120))
    signed_in(personas.rep_west, "192.0.2.4", start=timezone.now() - dt.timedelta(days=100))
    scan()  # the first run starts a day back: these are history, not judged
    signed_in(personas.rep_west, "203.0.113.9")
    scan()
    assert list(SignInNotice.objects.values_list("address", flat=True)) == ["203.0.113.9"]


def test_no_email_address_or_a_disabled_account_gets_nothing(personas: Any, smtp: Inbox) -> None:
    personas.marketer.email = ""
    personas.marketer.save(update_fields=["email"])
    signed_in(personas.marketer, "203.0.113.9")
    signed_in(personas.marketer, "198.51.100.7")
    scan()
    assert send_sign_in_notices() == 0 and smtp.messages == []
    assert SignInNotice.objects.get().notified_at is not None  # told as far as it can be: not retried forever


def test_a_real_sign_in_from_a_new_address(client: Any, personas: Any, smtp: Inbox) -> None:
    personas.sales_manager.email = "manager@bastion.test"
    personas.sales_manager.save(update_fields=["email"])
    secret = enrol_totp(personas.sales_manager)
    signed_in(personas.sales_manager, "127.0.0.1", start=timezone.now() - dt.timedelta(days=2))  # an earlier day's sign-in
    client.post("/accounts/login/", {"login": "sales_manager", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)}, REMOTE_ADDR="198.51.100.7")
    scan()
    assert send_sign_in_notices() == 1
    assert "198.51.100.7" in smtp.messages[0]["Subject"]
