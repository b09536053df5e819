"""The hourly housekeeping job: expired sessions, stale session rows and dead tokens go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils import timezone

from bastion.accounts.maintenance import purge_expired_auth_data
from bastion.accounts.models import ApiToken
from bastion.accounts.tokens import issue_token

pytestmark = pytest.mark.django_db


def test_purge_removes_only_what_is_dead(personas: Any, signed_in: Any) -> None:
    live_client = signed_in(personas.rep_east)
    live_client.get("/accounts/profile/")
    dead_client = signed_in(personas.rep_west)
    dead_client.get("/accounts/profile/")
    dead_key = dead_client.session.session_key
    Session.objects.filter(session_key=dead_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    orphan = UserSession.objects.create(user=personas.rep_east, ip="192.0.2.1", session_key="gone-long-ago", user_agent="x")

    now = timezone.now()
    active = issue_token(personas.rep_east, name="active", days=30).token
    recently_expired = issue_token(personas.rep_east, name="recent", days=30).token
    long_expired = issue_token(personas.rep_east, name="old", days=30).token
    long_revoked = issue_token(personas.rep_east, name="revoked", days=30).token
    ApiToken.objects.filter(pk=recently_expired.pk).update(expires_at=now - timedelta(days=2))
    ApiToken.objects.filter(pk=long_expired.pk).update(expires_at=now - timedelta(days=45))
    ApiToken.objects.filter(pk=long_revoked.pk).update(revoked_at=now - timedelta(days=45))

    result = purge_expired_auth_data()

    assert result.sessions == 1 and result.tokens == 2 and result.user_sessions == 2
    assert not Session.objects.filter(session_key=dead_key).exists()
    assert not UserSession.objects.filter(pk=orphan.pk).exists()
    assert not UserSession.objects.filter(session_key=dead_key).exists()
    assert UserSession.objects.filter(session_key=live_client.session.session_key).exists()
    assert live_client.get("/accounts/profile/").status_code == 200
    remaining = set(ApiToken.objects.values_list("name", flat=True))
    assert remaining == {"active", "recent"}
    assert ApiToken.objects.filter(pk=active.pk).exists()


def test_the_periodic_task_runs_the_purge(personas: Any) -> None:
    from bastion.accounts import tasks

    token = issue_token(personas.rep_east, name="old", days=1).token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=60))
    tasks.purge_expired_auth_data_hourly.call_local()
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_task_is_scheduled_hourly() -> None:
    import datetime

    from bastion.accounts import tasks

    validate = tasks.purge_expired_auth_data_hourly.task_class().validate_datetime
    assert validate(datetime.datetime(2030, 1, 1, 3, 17, tzinfo=datetime.UTC))
    assert validate(datetime.datetime(2030, 1, 1, 4, 17, tzinfo=datetime.UTC))
    assert not validate(datetime.datetime(2030, 1, 1, 4, 18, tzinfo=datetime.UTC))
