"""The detector: each rule raises one alert at its threshold and none below it; episodes are extended,
not raised twice; a run that dies is run again without duplicates; old history is not judged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.accounts import staff
from bastion.kernel.alerts import detect
from bastion.kernel.alerts.actions import AlertError, close_alert
from bastion.kernel.alerts.detect import Point, bursts, scan
from bastion.kernel.alerts.models import AlertScan, SecurityAlert
from bastion.kernel.alerts.rules import BY_CODE
from bastion.kernel.alerts.tests.helpers import ADDRESS, emit
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.audit.writer import Target

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def alerts(rule: str = "") -> list[SecurityAlert]:
    found = SecurityAlert.objects.order_by("raised_at", "first_sequence")
    return list(found.filter(rule=rule) if rule else found)


def raised_events() -> int:
    return AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_RAISED).count()


def test_bursts_counts_the_window_ending_at_each_new_event() -> None:
    rule = BY_CODE["sign_in_guessing_address"]  # 10 within 15 minutes
    start = timezone.now()
    points = [Point(start + MINUTE * n, n + 1, 1) for n in range(12)]
    found = bursts(points, rule, after=0)
    assert [burst.point.sequence for burst in found] == [10, 11, 12]
    assert found[0].start.sequence == 1 and found[0].total == 10
    assert bursts(points, rule, after=10)[0].point.sequence == 11  # judged events do not trigger again
    spread = [Point(start + 2 * MINUTE * n, n + 1, 1) for n in range(12)]  # 8 at most in any 15 minutes
    assert bursts(spread, rule, after=0) == []


def test_ten_failed_sign_ins_from_one_address_raise_one_alert(client: Any, personas: Any) -> None:
    for number in range(10):
        client.post("/accounts/login/", {"login": f"someone{number}", "password": "not the password"}, REMOTE_ADDR=ADDRESS)
    assert AuditEvent.objects.filter(kind=EventKind.SIGN_IN_FAILED, client_ip=ADDRESS).count() == 10

    [alert] = scan()

    assert (alert.rule, alert.severity) == ("sign_in_guessing_address", "high")
    assert (alert.subject_type, alert.subject_id) == ("address", ADDRESS)
    assert alert.events == 10 and alert.is_open and alert.notified_at is None
    counted = AuditEvent.objects.filter(kind=EventKind.SIGN_IN_FAILED).order_by("sequence")
    assert (alert.first_sequence, alert.last_sequence) == (counted.first().sequence, counted.last().sequence)  # type: ignore[union-attr]
    assert alerts("sign_in_guessing_account") == []  # ten different names: no one account is attacked
    raised = AuditEvent.objects.get(kind=EventKind.SECURITY_ALERT_RAISED)
    assert raised.target_type == "kernel.securityalert" and raised.target_id == str(alert.pk) and raised.actor_id is None
    assert raised.extra["rule"] == "sign_in_guessing_address" and ADDRESS not in str(raised.extra)
    assert scan() == [] and len(alerts()) == 1 and raised_events() == 1  # a second run raises nothing again
    assert verify_log().ok


def test_nine_failures_raise_nothing_and_send_nothing(personas: Any, smtp: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 9)

    assert scan() == []
    from bastion.kernel.alerts.notify import notify_pending

    assert notify_pending() == 0
    assert alerts() == [] and raised_events() == 0 and smtp.messages == []
    assert AlertScan.objects.get().sequence == AuditEvent.objects.order_by("-sequence").first().sequence  # type: ignore[union-attr]


def test_failures_spread_beyond_the_window_raise_nothing(personas: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 10, every=2 * MINUTE, start=timezone.now() - 20 * MINUTE)
    assert scan() == [] and alerts() == []


def test_one_sign_in_name_attacked_from_many_addresses(personas: Any) -> None:
    for number in range(10):
        emit(EventKind.SIGN_IN_FAILED, 1, address=f"198.51.100.{number}", target=personas.rep_east)

    [alert] = scan()

    assert alert.rule == "sign_in_guessing_account" and alert.subject_id == f"auth.user:{personas.rep_east.pk}"
    assert alert.subject_label == "rep_east" and alert.events == 10


def test_an_episode_is_extended_until_closed_then_raised_anew(personas: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 10)
    [first] = scan()
    emit(EventKind.SIGN_IN_FAILED, 5)
    assert scan() == []
    first.refresh_from_db()
    assert first.events == 15 and len(alerts()) == 1 and raised_events() == 1

    close_alert(personas.auditor, first.pk, "Blocked the address at the firewall.")
    emit(EventKind.SIGN_IN_FAILED, 1)
    [second] = scan()

    assert second.pk != first.pk and second.is_open and second.events >= 10
    first.refresh_from_db()
    assert first.events == 15 and not first.is_open


def test_a_threshold_reached_across_chunks_is_seen(personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(detect, "CHUNK", 3)
    emit(EventKind.SIGN_IN_FAILED, 10)

    [alert] = scan()

    assert alert.events == 10


def test_a_run_that_dies_is_run_again_without_duplicates(personas: Any, monkeypatch: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 10)
    real_raise = detect._raise

    def raise_then_die(*args: Any, **kwargs: Any) -> Any:
        real_raise(*args, **kwargs)
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(detect, "_raise", raise_then_die)
    with pytest.raises(RuntimeError):
        scan()
    assert alerts() == [] and raised_events() == 0  # the alert, its event and the watermark rolled back together
    monkeypatch.undo()

    [alert] = scan()

    assert alert.events == 10 and len(alerts()) == 1 and raised_events() == 1


def test_the_first_run_does_not_judge_old_history(personas: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 10, start=timezone.now() - dt.timedelta(days=3))
    assert scan() == [] and alerts() == []
    emit(EventKind.SIGN_IN_FAILED, 10)
    assert [alert.rule for alert in scan()] == ["sign_in_guessing_address"]


def test_second_factor_refused_five_times(personas: Any) -> None:
    emit(EventKind.MFA_FAILED, 4, actor=personas.rep_east)
    assert scan() == []
    emit(EventKind.MFA_FAILED, 1, actor=personas.rep_east)

    [alert] = scan()

    assert (alert.rule, alert.subject_type, alert.subject_label) == ("second_factor_guessing", "staff", "rep_east")


def test_mass_deletion_counts_the_records_chosen_not_those_deleted_with_them(personas: Any) -> None:
    record = Target("directory.contact", "c1")
    emit(EventKind.RECORD_DELETED, 150, actor=personas.rep_east, target=record, extra={"because": "directory.company.deleted"})
    emit(EventKind.RECORD_DELETED, 99, actor=personas.rep_east, target=record, every=dt.timedelta(seconds=1))
    assert scan() == []
    emit(EventKind.RECORD_DELETED, 1, actor=personas.rep_east, target=record)

    [alert] = scan()

    assert alert.rule == "mass_deletion" and alert.events == 100 and alert.subject_label == "rep_east"


def test_mass_export_counts_rows(personas: Any) -> None:
    export = Target("directory.contact")
    emit(EventKind.EXPORTED, 1, actor=personas.sales_manager, target=export, extra={"format": "csv", "count": 6000})
    assert scan() == []
    emit(EventKind.EXPORTED, 1, actor=personas.sales_manager, target=export, extra={"format": "csv", "count": 4000})

    [alert] = scan()

    assert alert.rule == "mass_export" and alert.events == 10_000 and alert.severity == "medium"


def test_refusals_rate_limits_and_lockouts_each_count_for_their_own_rule(personas: Any) -> None:
    page = Target("route:directory:contact-detail", "x")
    emit(EventKind.ACCESS_DENIED, 30, actor=None, target=page, extra={"reason": "sign_in_locked"})
    emit(EventKind.ACCESS_DENIED, 4, actor=personas.marketer, target=page, extra={"reason": "rate_limited:reveal:user"})
    emit(EventKind.ACCESS_DENIED, 19, actor=personas.marketer, target=page, extra={"reason": "not yours"})
    assert scan() == []
    emit(EventKind.ACCESS_DENIED, 1, actor=personas.marketer, target=page, extra={"reason": "rate_limited:export:ip"})
    emit(EventKind.ACCESS_DENIED, 1, actor=personas.marketer, target=page, extra={"reason": "not yours"})

    raised = scan()

    assert sorted(alert.rule for alert in raised) == ["access_probing", "rate_limits_reached"]
    assert {alert.subject_label for alert in raised} == {"marketer"}


def test_anonymous_refusals_count_per_address(personas: Any) -> None:
    emit(EventKind.ACCESS_DENIED, 20, target=Target("route:api-contact-detail", "x"), extra={"reason": "no token"})

    [alert] = scan()

    assert (alert.rule, alert.subject_type, alert.subject_id) == ("access_probing", "address", ADDRESS)


def test_making_someone_administrator_raises_an_alert_other_roles_do_not(personas: Any) -> None:
    staff.change_role(personas.admin, personas.rep_east, "sales_manager")
    assert scan() == []
    staff.change_role(personas.admin, personas.rep_west, "administrator")

    [alert] = scan()

    assert (alert.rule, alert.subject_label, alert.events) == ("powerful_role_granted", "rep_west", 1)


def test_many_subjects_across_chunks_are_each_counted_whole(personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(detect, "CHUNK", 4)
    monkeypatch.setattr(detect, "SUBJECTS_PER_QUERY", 2)  # earlier events read back two subjects at a time
    start = timezone.now() - 10 * MINUTE
    for number in range(10):
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            name = Target("accounts.login", f"{address}-{number}")  # a different name each time
            emit(EventKind.SIGN_IN_FAILED, 1, address=address, target=name, start=start + number * 10 * dt.timedelta(seconds=1))

    raised = scan()

    assert sorted((alert.subject_id, alert.events) for alert in raised) == [
        ("198.51.100.1", 10), ("198.51.100.2", 10), ("198.51.100.3", 10)
    ]  # fmt: skip


def test_a_renamed_member_of_staff_is_one_subject(personas: Any) -> None:
    emit(EventKind.MFA_FAILED, 3, actor=personas.rep_east)
    personas.rep_east.username = "rep_east_renamed"
    personas.rep_east.save(update_fields=["username"])
    emit(EventKind.MFA_FAILED, 2, actor=personas.rep_east)

    [alert] = scan()

    assert alert.subject_id == str(personas.rep_east.pk) and alert.events == 5


def test_an_alerts_evidence_is_its_own_subjects_events(personas: Any) -> None:
    from bastion.kernel.alerts.selectors import evidence

    for number in range(10):
        for address in (ADDRESS, "198.51.100.99"):  # interleaved: the two ranges overlap
            emit(EventKind.SIGN_IN_FAILED, 1, address=address, target=Target("accounts.login", f"{address}-{number}"))

    raised = scan()

    assert len(raised) == 2
    for alert in raised:
        events, more = evidence(alert)
        assert len(events) == 10 and not more and {event.client_ip for event in events} == {alert.subject_id}


def test_a_closing_note_with_a_card_number_is_refused(personas: Any) -> None:
    emit(EventKind.SIGN_IN_FAILED, 10)
    [alert] = scan()
    with pytest.raises(AlertError, match=r"ending 1111"):
        close_alert(personas.auditor, alert.pk, "Customer card 4111 1111 1111 1111 was in the log")
    alert.refresh_from_db()
    assert alert.is_open and not AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).exists()
