"""Hand-over as a background job (bastion.sales.handover_jobs): the whole book in steps, counted and
audited; a record that cannot move listed once; a worker killed half-way resumed with nothing moved
twice; a job that stops when its choices no longer hold; one at a time per colleague; the pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone, translation

from bastion.accounts.testing import step_up
from bastion.directory import actions as directory_actions
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import handover, handover_jobs, tasks
from bastion.sales.models import HandOverJob
from bastion.sales.tests.handover_book import owner_of

pytestmark = pytest.mark.django_db
ALL = list(handover.KINDS)


class Killed(BaseException):
    """Stands for the worker process dying: nothing in the application catches it."""


def job_events(job: HandOverJob) -> list[tuple[int, str]]:
    events = AuditEvent.objects.filter(target_type="sales.handoverjob", target_id=str(job.pk)).order_by("sequence")
    return [(event.kind, event.outcome) for event in events]


def owner_changes(pk: Any) -> int:
    return AuditEvent.objects.filter(kind=EventKind.RECORD_UPDATED, target_id=str(pk), changes__has_key="owner").count()


def extra_contacts(east: Any, count: int) -> list[Any]:
    return [directory_actions.create_contact(east, {"given_name": "Extra", "family_name": str(n)}) for n in range(count)]


def test_a_job_hands_the_whole_book_over_in_steps_counted_and_audited(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    extra_contacts(east, 4)
    monkeypatch.setattr(handover, "BATCH", 3)
    before = handover.open_work(admin, east)
    job = handover_jobs.start(admin, east, west, ALL, to_their_team=False)  # the worker runs at once in tests
    job.refresh_from_db()
    assert (job.status, job.total, job.moved, job.failures) == ("done", sum(before.values()), 10, [])
    assert job.started_at is not None and job.finished_at is not None and job.percent == 100
    assert sum(handover.open_work(admin, east).values()) == 0
    assert owner_of(book["won_deal"]) == east.pk and owner_of(book["call"]) == east.pk  # history stays theirs
    assert job_events(job) == [(EventKind.RECORD_CREATED, "success"), (EventKind.RECORD_UPDATED, "success")]
    last = AuditEvent.objects.filter(target_id=str(job.pk), kind=EventKind.RECORD_UPDATED).get()
    assert last.extra["moved"] == 10 and last.extra["failed"] == 0 and last.actor_id == admin.pk
    assert all(owner_changes(contact.pk) == 1 for contact in Contact._base_manager.filter(owner=west))


def test_a_record_that_cannot_move_is_listed_once_and_the_rest_moves(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    extra = extra_contacts(east, 3)
    stuck = min([book["contact"], *extra], key=lambda contact: contact.pk)
    contacts, tries = handover.KINDS["contacts"], list[Any]()

    def refuse_one(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        if pk == stuck.pk:
            tries.append(pk)
            raise ValidationError({"owner": ["Refused for the test."]})
        return contacts.move(actor, pk, recipient, team)

    monkeypatch.setitem(handover.KINDS, "contacts", dataclasses.replace(contacts, move=refuse_one))
    monkeypatch.setattr(handover, "BATCH", 1)
    job = handover_jobs.start(admin, east, west, ["contacts"], to_their_team=False)
    job.refresh_from_db()
    assert (job.status, job.total, job.moved) == ("done", 4, 3)
    assert job.failures == [["contacts", str(stuck.pk), "Refused for the test."]] and len(tries) == 1
    assert owner_of(stuck) == east.pk and all(owner_of(contact) == west.pk for contact in extra if contact != stuck)
    page = job_page(personas, east, job)
    assert 'data-testid="hand-over-failures"' in page and "Refused for the test." in page and str(stuck.pk) in page


def test_a_worker_killed_half_way_is_resumed_and_moves_nothing_twice(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    extra_contacts(east, 4)
    monkeypatch.setattr(handover, "BATCH", 2)
    contacts, moved = handover.KINDS["contacts"], list[Any]()

    def killed_at_the_fourth(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        if len(moved) == 3:
            contacts.move(actor, pk, recipient, team)  # changed, then the process dies before the commit
            raise Killed
        moved.append(pk)
        return contacts.move(actor, pk, recipient, team)

    monkeypatch.setitem(handover.KINDS, "contacts", dataclasses.replace(contacts, move=killed_at_the_fourth))
    with pytest.raises(Killed):
        handover_jobs.start(admin, east, west, ["contacts", "deals"], to_their_team=False)
    job = HandOverJob.objects.get()
    assert (job.status, job.moved, job.total) == ("running", 3, 6)  # the fourth rolled back, uncounted
    assert Contact._base_manager.filter(owner=west).count() == 3
    assert handover_jobs.stalled_jobs() == []  # its heartbeat is fresh: not taken from a worker still alive
    HandOverJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    monkeypatch.setitem(handover.KINDS, "contacts", contacts)
    tasks.resume_stalled_hand_overs()
    job.refresh_from_db()
    assert (job.status, job.moved, job.failures) == ("done", 6, [])
    assert Contact._base_manager.filter(owner=east).count() == 0 and owner_of(book["open_deal"]) == west.pk
    assert all(owner_changes(contact.pk) == 1 for contact in Contact._base_manager.filter(owner=west))


def test_the_job_stops_and_says_why_when_the_new_owner_is_disabled_meanwhile(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    extra_contacts(east, 3)
    monkeypatch.setattr(handover, "BATCH", 2)
    contacts = handover.KINDS["contacts"]

    def disable_after_the_second(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        done = contacts.move(actor, pk, recipient, team)
        if Contact._base_manager.filter(owner=west).count() == 2:
            type(west).objects.filter(pk=west.pk).update(is_active=False)
        return done

    monkeypatch.setitem(handover.KINDS, "contacts", dataclasses.replace(contacts, move=disable_after_the_second))
    job = handover_jobs.start(admin, east, west, ["contacts"], to_their_team=False)
    job.refresh_from_db()
    assert (job.status, job.moved, job.total) == ("failed", 2, 4)
    assert "Choose an active colleague" in job.error and Contact._base_manager.filter(owner=east).count() == 2
    assert job_events(job) == [(EventKind.RECORD_CREATED, "success"), (EventKind.RECORD_UPDATED, "failure")]


def test_one_hand_over_of_a_colleague_at_a_time_and_only_by_an_administrator(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    monkeypatch.setattr(handover_jobs, "enqueue", lambda job_id: None)  # the worker has not picked it up yet
    first = handover_jobs.start(admin, east, west, ALL, to_their_team=False)
    with pytest.raises(ValidationError) as raised:
        handover_jobs.start(admin, east, personas.sales_manager, ["deals"], to_their_team=False)
    assert "already under way" in str(raised.value.message_dict["recipient"])
    events = AuditEvent.objects.count()
    monkeypatch.setattr(handover_jobs, "ACTIVE_HAND_OVERS", ())  # two started at the same moment: neither saw the other
    with pytest.raises(ValidationError) as raised:
        handover_jobs.start(admin, east, west, ["deals"], to_their_team=False)
    assert "already under way" in str(raised.value.message_dict["recipient"])  # the database's constraint held
    for someone in (personas.sales_manager, personas.rep_west, personas.auditor):
        with pytest.raises(PermissionDenied):
            handover_jobs.start(someone, east, west, ALL, to_their_team=False)
        assert list(handover_jobs.recent_jobs(someone, east)) == []
    with pytest.raises(ValidationError) as raised:
        handover_jobs.start(admin, east, east, ALL, to_their_team=False)
    assert set(raised.value.message_dict) == {"recipient"}
    assert list(HandOverJob.objects.values_list("pk", flat=True)) == [first.pk] and AuditEvent.objects.count() == events
    assert owner_of(book["open_deal"]) == east.pk  # queued: nothing has moved yet


def job_page(personas: Any, member: Any, job: HandOverJob, **headers: str) -> str:
    from django.test import Client

    from bastion.accounts.testing import enrol_totp

    enrol_totp(personas.admin)
    client = Client()
    client.force_login(personas.admin)
    return client.get(reverse("sales:hand-over-job", args=[member.pk, job.pk]), headers=headers).content.decode()


def test_the_pages_show_a_running_hand_over_and_its_progress(
    personas: Any, signed_in: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    client = signed_in(admin)
    step_up(client, admin)
    queued: list[str] = []
    monkeypatch.setattr(handover_jobs, "enqueue", queued.append)
    url = reverse("sales:hand-over", args=[east.pk])
    started = client.post(url, {"recipient": west.pk, "kinds": ["deals", "activities"]})
    job = HandOverJob.objects.get()
    job_url = reverse("sales:hand-over-job", args=[east.pk, job.pk])
    assert started.status_code == 302 and started["Location"] == job_url and queued == [job.pk]
    page = client.get(job_url).content.decode()
    assert f'hx-get="{job_url}"' in page and "0 of 3 records" in page and 'data-status="queued"' in page
    fragment = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<section id="hand-over-status"') and "<html" not in fragment
    again = client.get(url).content.decode()
    assert 'data-testid="hand-over-running"' in again and 'data-testid="hand-over-form"' not in again
    refused = client.post(url, {"recipient": west.pk, "kinds": ["deals"]})
    assert refused.status_code == 400 and 'data-testid="hand-over-running"' in refused.content.decode()
    assert len(queued) == 1 and HandOverJob.objects.count() == 1  # a second press (another tab) starts nothing
    handover_jobs.run(job.pk)
    done = client.get(job_url).content.decode()
    assert "hx-get" not in done and "3 records were handed over to" in done and 'data-status="done"' in done
    listed = client.get(url).content.decode()
    assert 'data-testid="hand-over-jobs"' in listed and job_url in listed and 'data-testid="hand-over-running"' not in listed


def test_only_administrators_see_a_hand_over_and_only_under_its_colleague(
    personas: Any, signed_in: Any, book: dict[str, Any]
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    job = handover_jobs.start(admin, east, west, ["deals"], to_their_team=False)
    for name, someone in personas.all().items():
        response = signed_in(someone).get(reverse("sales:hand-over-job", args=[east.pk, job.pk]))
        if name == "admin":
            assert response.status_code == 200
        else:
            assert response.status_code in (302, 403), name  # the outsider is sent to sign in again
            assert 'data-testid="hand-over-status"' not in response.content.decode()
    elsewhere = signed_in(admin).get(reverse("sales:hand-over-job", args=[west.pk, job.pk]))
    assert elsewhere.status_code == 404 and str(job.pk) not in elsewhere.content.decode()


@pytest.mark.parametrize(("error", "status"), [(RuntimeError("a bug"), "failed"), (OperationalError("server closed"), "running")])
def test_a_bug_stops_the_job_and_an_outage_leaves_it_for_the_resume(
    personas: Any, book: dict[str, Any], monkeypatch: Any, error: Exception, status: str
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    deals = handover.KINDS["deals"]

    def broken(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        raise error

    monkeypatch.setitem(handover.KINDS, "deals", dataclasses.replace(deals, move=broken))
    handover_jobs.start(admin, east, west, ["deals"], to_their_team=False)  # the queue logs the error
    job = HandOverJob.objects.get()
    assert (job.status, job.moved) == (status, 0) and owner_of(book["open_deal"]) == east.pk
    if status == "failed":
        assert job.error == "An unexpected error (RuntimeError) stopped the hand-over."
        assert job_events(job)[-1] == (EventKind.RECORD_UPDATED, "failure")
    else:
        assert job.error == "" and job_events(job) == [(EventKind.RECORD_CREATED, "success")]


def test_finished_hand_overs_are_purged_after_the_retention_period_and_the_purge_is_audited(personas: Any, settings: Any) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    settings.HANDOVER_RETENTION_DAYS = 30
    now = timezone.now()

    def job(member: Any, status: str, finished_days_ago: int | None) -> HandOverJob:
        finished = now - dt.timedelta(days=finished_days_ago) if finished_days_ago is not None else None
        return HandOverJob.objects.create(
            started_by=admin, member=member, recipient=west, kinds=ALL, status=status, total=3, moved=2, finished_at=finished
        )

    old_done, old_failed = job(east, "done", 31), job(east, "failed", 45)
    recent, running = job(east, "done", 29), job(personas.sales_manager, "running", None)
    tasks.purge_old_hand_overs.call_local()
    assert set(HandOverJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    for gone, status in ((old_done, "done"), (old_failed, "failed")):
        event = AuditEvent.objects.get(target_type="sales.handoverjob", target_id=str(gone.pk))
        assert (event.kind, event.actor_id, event.outcome) == (EventKind.RECORD_DELETED, None, "success")
        assert event.extra["status"] == status and event.extra["reason"] == "retention" and event.extra["moved"] == 2
    assert handover_jobs.purge_finished(30) == 0  # nothing more to purge: a second run changes nothing


def test_why_a_job_stopped_is_written_in_the_language_of_the_page_that_started_it(
    personas: Any, book: dict[str, Any], monkeypatch: Any
) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    monkeypatch.setattr(handover_jobs, "enqueue", lambda job_id: None)  # the worker runs later, with no request around it
    with translation.override("zh-hans"):
        job = handover_jobs.start(admin, east, west, ["contacts"], to_their_team=False)
    assert job.language == "zh-hans"
    type(west).objects.filter(pk=west.pk).update(is_active=False)  # the new owner leaves before the worker starts
    with translation.override("en"):
        handover_jobs.run(job.pk)
        assert translation.get_language() == "en"
    job.refresh_from_db()
    assert job.status == "failed" and "请选择另一位在职、且其角色可以拥有记录的同事。" in job.error and "Choose" not in job.error
