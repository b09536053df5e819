"""One contact import shared among lanes (docs/adr/0062): rows linked by an email, a phone or a company
stay in one lane in file order, and an import run lane by lane ends exactly as one run in one piece.

Here the lanes run one after the other in the test's process (``run_job(..., lane=N)``, what each
lane's process runs); ``test_crash_resume.py`` runs them as processes at once and kills them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bastion.directory.models import Company, Contact, ContactEmail
from bastion.imports import actions, csvfile
from bastion.imports import actions_lanes as lanes
from bastion.imports import selectors as import_selectors
from bastion.imports.adapters import adapter_for
from bastion.imports.models import ImportJob, ImportLane, Status
from bastion.imports.tests.helpers import HEADER_EN, contacts_csv
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

MAPPING = ["given_name", "family_name", "email", "phone", "company", "city"]


def parsed_of(lines: list[list[str]]) -> csvfile.Parsed:
    return csvfile.Parsed(HEADER_EN, [csvfile.Row(index, index + 2, cells) for index, cells in enumerate(lines)])


def row(n: int, email: str = "", phone: str = "", company: str = "") -> list[str]:
    return [f"Given{n}", f"Family{n}", email, phone, company, "London"]


def test_rows_that_share_an_email_a_phone_or_a_company_share_a_lane_in_file_order() -> None:
    lines = [row(n, f"p{n}@x.example", f"+44 20 7946 {n:04d}") for n in range(60)]
    lines[40][2] = "P2@X.example"  # the same email as row 2, written otherwise
    lines[55][3] = "+44 20 7946 0005"  # the same phone as row 5
    lines[10][4] = lines[33][4] = lines[57][4] = "Acme Ltd"
    lines[33][2] = "p2@x.example"  # row 33 links Acme's rows to row 2's (and so to row 40's)
    lines.append(row(60))  # a name alone: linked to nothing
    job = ImportJob(mapping=MAPPING, dedupe="skip")
    planned = lanes.plan(adapter_for("contact"), job, parsed_of(lines), 3)

    lane_of = {position: number for number, rows in enumerate(planned) for position in rows}
    assert sorted(lane_of) == list(range(61))  # every row in exactly one lane
    assert sum(len(rows) for rows in planned) == 61
    assert all(rows == sorted(rows) for rows in planned)  # file order within a lane
    assert lane_of[2] == lane_of[40] == lane_of[33] == lane_of[10] == lane_of[57]
    assert lane_of[5] == lane_of[55]
    assert sorted(len(rows) for rows in planned) == [20, 20, 21]  # groups spread over the emptiest lanes
    assert lanes.plan(adapter_for("contact"), job, parsed_of(lines), 3) == planned  # the same every time


def test_a_type_without_linking_keys_is_one_lane() -> None:
    lines = [["Acme", "acme.example"], ["Borealis", "borealis.example"]]
    planned = lanes.plan(adapter_for("company"), ImportJob(mapping=["name", "domain"], dedupe="skip"), parsed_of(lines), 4)
    assert planned == [[0, 1]]


@pytest.fixture
def queued(personas: Any, monkeypatch: Any, settings: Any) -> Any:
    """A contact file, its job started but not handed to a worker; three lanes wanted."""
    monkeypatch.setattr(actions, "enqueue", lambda job_id: None)
    settings.IMPORT_LANES = 3

    def start(text: str, dedupe: str = "skip") -> ImportJob:
        job = actions.create_import(personas.rep_east, object_type="contact", source_name="Fair", file_name="c.csv",
            data=text.encode())  # fmt: skip
        actions.start_import(personas.rep_east, job.pk, mapping=list(job.mapping), dedupe=dedupe)
        return ImportJob.objects.get(pk=job.pk)

    return start


def test_lane_by_lane_the_import_ends_as_in_one_piece(queued: Any) -> None:
    text, bad_lines = contacts_csv(84, bad_every=20)  # 84 good rows, 4 bad, companies "Firm 0".."Firm 6"
    text += "Again,Twice,p5@import.example,,,\nAgain,Thrice,,+44 20 7946 0007,,\n"  # duplicates of rows 5 and 7
    job = queued(text)

    ran = [actions.run_job(job.pk, lane=number) for number in range(3)]
    assert ImportLane.objects.filter(job=job).count() == 3
    assert [one.status for one in ran if one is not None] == [Status.RUNNING, Status.RUNNING, Status.DONE]
    job.refresh_from_db()
    assert (job.status, job.position, job.total_rows) == (Status.DONE, 90, 90)
    assert (job.created_count, job.skipped_count, job.rejected_count, job.updated_count) == (84, 2, 4, 0)
    assert job.upload is None
    assert [rejection.line for rejection in import_selectors.rejections(job)] == bad_lines
    assert Contact.objects.count() == 84 and Company.objects.count() == 7  # each firm created once
    emails = Counter(str(email.address) for email in ContactEmail.objects.all())
    assert len(emails) == 84 and set(emails.values()) == {1}
    ended = AuditEvent.objects.filter(kind=EventKind.DATA_IMPORTED, target_id=str(job.pk))
    assert ended.count() == 1  # the lane that ended it, once


def test_a_lane_stops_at_its_own_rows_and_again_is_a_no_op(queued: Any) -> None:
    job = queued(contacts_csv(40)[0])
    actions.run_job(job.pk, lane=1)
    job.refresh_from_db()
    lane = ImportLane.objects.get(job=job, number=1)
    assert lane.position == lane.rows > 0 and job.status == Status.RUNNING
    assert (job.position, job.created_count) == (lane.rows, lane.rows)
    actions.run_job(job.pk, lane=1)  # run again (a second worker, or after a crash): nothing more
    job.refresh_from_db()
    assert (job.position, job.created_count, Contact.objects.count()) == (lane.rows, lane.rows, lane.rows)


def test_updates_and_a_single_lane_setting_run_as_one_piece(queued: Any, settings: Any) -> None:
    text = contacts_csv(30)[0]
    updating = queued(text, dedupe="update")
    assert actions.run_job(updating.pk) is not None  # no lanes: run here, no process started
    assert not ImportLane.objects.exists() and ImportJob.objects.get(pk=updating.pk).status == Status.DONE
    settings.IMPORT_LANES = 1
    one = queued(text.replace("@import", "@other"))
    assert actions.run_job(one.pk).status == Status.DONE  # type: ignore[union-attr]
    assert not ImportLane.objects.exists()


def test_a_job_that_no_longer_runs_is_left_alone_by_its_lanes(queued: Any) -> None:
    job = queued(contacts_csv(40)[0])
    actions.run_job(job.pk, lane=0)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.FAILED)
    parsed = actions.load_rows(job)
    rows = lanes.plan(adapter_for("contact"), job, parsed, 3)[2]
    before = Contact.objects.count()
    assert lanes.import_next_lane_batch(job.pk, parsed, adapter_for("contact"), job.created_by, 500, 2, rows) is None
    assert Contact.objects.count() == before and ImportLane.objects.get(job=job, number=2).position == 0


def test_an_unexpected_error_in_a_lane_fails_the_job_with_the_rows_done_and_stops_the_others(
    queued: Any, monkeypatch: Any
) -> None:
    job = queued(contacts_csv(40)[0])
    actions.run_job(job.pk, lane=0)
    done = ImportJob.objects.get(pk=job.pk).position
    assert done > 0

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions, "import_rows", broken)
    with pytest.raises(RuntimeError):
        actions.run_job(job.pk, lane=1)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.position == done
    assert job.error == f"An unexpected error (RuntimeError) stopped the import after {done} rows; those rows were imported."
    monkeypatch.undo()
    assert actions.run_job(job.pk, lane=2) is None  # the job no longer runs: the other lane does nothing
    assert Contact.objects.count() == done
