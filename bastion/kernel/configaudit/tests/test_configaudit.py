"""The configuration audit (S7, ADR 0072): each check sees a real fault and passes when it is mended; a
run is recorded, a failed one raises a security alert; the page is the officers' alone."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bastion.accounts import staff
from bastion.kernel.alerts import detect
from bastion.kernel.alerts.models import AlertScan, SecurityAlert
from bastion.kernel.audit import triggers
from bastion.kernel.audit.checkpoints import make_checkpoint
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.configaudit import checks, run
from bastion.kernel.configaudit.checks import FAIL, PASS, WARN
from bastion.kernel.tasks import audit_configuration

pytestmark = pytest.mark.django_db


def outcome(code: str) -> checks.Outcome:
    return next(result.outcome for result in run.results() if result.check.code == code)


def test_every_check_has_a_stable_code_an_area_and_a_title() -> None:
    found = run.all_checks()
    codes = [check.code for check in found]
    assert len(codes) == len(set(codes)) >= 15
    assert {"append_only_triggers", "signed_checkpoint", "file_permissions", "security_officer", "access_review"} <= set(codes)
    assert all(str(check.area) and str(check.title) for check in found)


@pytest.mark.django_db(transaction=True)
def test_a_dropped_trigger_fails_the_audit_and_raises_an_alert() -> None:
    assert outcome("append_only_triggers").status == PASS
    triggers.drop(connection)
    try:
        seen = outcome("append_only_triggers")
        assert seen.status == FAIL and "kernel_auditevent" in seen.detail
        run.audit()
        [event] = AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED)
        assert "append_only_triggers" in event.extra["failed"]
        [alert] = detect.scan()
        assert (alert.rule, alert.severity, alert.subject_id) == (
            "configuration_weakened",
            "high",
            "kernel.configuration:installation",
        )
    finally:
        triggers.install(connection)
    assert outcome("append_only_triggers").status == PASS


def test_a_forged_checkpoint_fails_and_a_signed_one_passes(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bastion.kernel.alerts.tests.helpers import emit

    assert outcome("signed_checkpoint").status == PASS  # an empty trail: nothing to sign
    emit(EventKind.SIGN_IN_FAILED, 1)
    seen = outcome("signed_checkpoint")
    assert seen.status == PASS and "signs the first within 25 minutes" in seen.detail  # a new installation
    later = timezone.now() + dt.timedelta(hours=1)
    with monkeypatch.context() as patched:
        patched.setattr(checks.timezone, "now", lambda: later)
        assert outcome("signed_checkpoint").status == WARN  # an hour on, still none: the worker is not signing
    checkpoint = make_checkpoint(force=True)
    assert checkpoint is not None and outcome("signed_checkpoint").status == PASS
    from bastion.kernel.audit.models import AuditCheckpoint

    # A row claiming a larger tree under the last one's signature: the note no longer matches what it says.
    AuditCheckpoint.objects.create(
        tree_size=checkpoint.tree_size + 1, root_hash=checkpoint.root_hash, created_at=checkpoint.created_at,
        key_id=checkpoint.key_id, note=checkpoint.note, signature=checkpoint.signature,
    )  # fmt: skip
    seen = outcome("signed_checkpoint")
    assert seen.status == FAIL and "does not verify" in seen.detail


def test_loose_file_permissions_fail(settings: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    secret = data / "secret_key"
    secret.write_text("x")
    secret.chmod(0o600)
    settings.DATA_DIR = data
    assert outcome("file_permissions").status == PASS
    secret.chmod(0o644)
    seen = outcome("file_permissions")
    assert seen.status == FAIL and str(secret) in seen.detail
    secret.chmod(0o600)
    data.chmod(0o755)
    assert outcome("file_permissions").status == FAIL


def test_the_detector_and_the_sealer_are_watched(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bastion.kernel.alerts.tests.helpers import emit

    emit(EventKind.SIGN_IN_FAILED, 1)
    assert not AlertScan.objects.exists()  # never judged
    later = timezone.now() + dt.timedelta(hours=1)
    with monkeypatch.context() as patched:
        patched.setattr(checks.timezone, "now", lambda: later)  # an hour on, with no sealer and no detector run
        seen = {result.check.code: result.outcome for result in run.results()}
    assert seen["sealer_keeping_up"].status == WARN and "more than 300 seconds" in seen["sealer_keeping_up"].detail
    assert seen["intrusion_detector"].status == WARN and "waited 60 minutes" in seen["intrusion_detector"].detail
    detect.scan()
    with monkeypatch.context() as patched:
        patched.setattr(checks.timezone, "now", lambda: later)
        assert outcome("intrusion_detector").status == PASS
    assert AlertScan.objects.get().sequence >= 1
    assert outcome("sealer_keeping_up").status == PASS


def test_the_siem_and_the_security_officer_are_looked_for(settings: Any, personas: Any) -> None:
    settings.AUDIT_SYSLOG_URL = ""
    assert outcome("siem_shipping").status == WARN
    settings.AUDIT_SYSLOG_URL = "udp://127.0.0.1:514"
    assert outcome("siem_shipping").status == PASS
    assert outcome("security_officer").status == PASS  # the auditor persona is the security officer
    staff.disable(personas.admin, personas.auditor, reason="left the company")
    seen = outcome("security_officer")
    assert seen.status == WARN and "go to the administrators" in seen.detail


def test_a_dormant_account_the_daily_job_missed_fails(personas: Any) -> None:
    assert outcome("dormant_accounts").status == PASS
    long_ago = timezone.now() - dt.timedelta(days=400)
    type(personas.rep_west).objects.filter(pk=personas.rep_west.pk).update(last_login=long_ago, date_joined=long_ago)
    seen = outcome("dormant_accounts")
    assert seen.status == FAIL and "1 active account has not been used for 90 days" in seen.detail


def test_the_access_review_is_due_until_signed_off(personas: Any) -> None:
    assert outcome("access_review").status == WARN
    staff.sign_off_review(personas.admin, "Checked every role and share.", members=8, shares=0, tokens=0)
    assert outcome("access_review").status == PASS


def test_a_check_that_cannot_run_is_a_failure_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> checks.Outcome:
        raise RuntimeError("no disk")

    monkeypatch.setattr(run, "all_checks", lambda: (checks.Check("broken", checks.HOST, checks.APPLICATION, broken),))
    [result] = run.results()
    assert result.status == FAIL and "RuntimeError" in result.outcome.detail


def test_the_command_prints_records_and_exits_by_the_worst_result(personas: Any) -> None:
    long_ago = timezone.now() - dt.timedelta(days=400)
    type(personas.rep_west).objects.filter(pk=personas.rep_west.pk).update(last_login=long_ago, date_joined=long_ago)
    out = StringIO()
    with pytest.raises(SystemExit) as exited:  # the dormant account fails the audit
        call_command("configaudit", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(run.all_checks()) and all(line.split("\t")[0] in (PASS, WARN, FAIL) for line in lines)
    assert exited.value.code == 1 and any(line.startswith("fail\tdormant_accounts") for line in lines)
    assert AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED).count() == 1
    with pytest.raises(SystemExit):
        call_command("configaudit", "--no-record", stdout=StringIO())
    assert AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED).count() == 1  # printed, not recorded


def test_the_daily_task_records_a_run() -> None:
    audit_configuration.call_local()
    [event] = AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED)
    assert event.extra["passed"] >= 1 and isinstance(event.extra["warned"], list)


def test_an_officer_sees_the_checks_and_records_a_run(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.auditor)
    page = client.get("/audit/configuration/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="check-append_only_triggers" data-status="pass"' in body
    assert not AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED).exists()  # looking records nothing
    response = client.post("/audit/configuration/", follow=True)
    assert "Configuration audited and recorded" in response.content.decode()
    assert AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED, target_id="installation").count() == 1
    client.cookies["bastion_language"] = "zh-hans"
    assert "配置审计" in client.get("/audit/configuration/").content.decode()


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "marketer", "outsider"])
def test_nobody_else_sees_or_runs_it(personas: Any, signed_in: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    assert client.get("/audit/configuration/").status_code == 403
    response = client.post("/audit/configuration/")
    assert response.status_code == 403 and "append_only" not in response.content.decode()
    assert not AuditEvent.objects.filter(kind=EventKind.CONFIGURATION_AUDITED).exists()
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, actor_id=getattr(personas, who).pk).count() == 2
    assert not SecurityAlert.objects.exists()


def test_production_mode_is_reported(settings: Any) -> None:
    settings.PRODUCTION = False
    assert outcome("production_mode").status == WARN and os.environ.get("BASTION_ENV", "") in outcome("production_mode").detail
    settings.PRODUCTION = True
    assert outcome("production_mode").status == PASS
