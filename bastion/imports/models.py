"""CSV imports: a job per uploaded file, the rows it rejected, and column mappings saved per source.

An :class:`ImportJob` holds its upload encrypted under a data key of its own (the job id is the
key's "person" in the key store, bastion.kernel.crypto). The upload is cleared when the job ends;
the rejected rows (:class:`ImportRejection`, also encrypted under the job's key) stay for the
report until the job is deleted, which crypto-shreds the job's key so that no copy of either,
backups included, can be read again (docs/adr/0037).

``position`` is how many data rows the job has dealt with. The worker advances it in the same
transaction as the row it imports or rejects, so a crash loses nothing and repeats nothing.

Writes go through bastion.imports.actions; reads through ``objects.visible_to(user)`` narrowed by
bastion.imports.selectors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Personal, Through, Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.crypto.fields import EncryptedMixin, EncryptedTextField, Sealed
from bastion.kernel.ids import new_id


class EncryptedBinaryField(EncryptedMixin, models.BinaryField):  # type: ignore[misc]
    """Bytes (an uploaded file), encrypted at rest; ``None`` stays NULL (nothing to encrypt)."""

    def to_plain(self, value: Any) -> bytes:
        return bytes(value or b"")

    def from_plain(self, data: bytes) -> bytes:
        return data

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        if model_instance.__dict__.get(self.attname) is None:
            return None
        return super().pre_save(model_instance, add)

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, Sealed) else super().to_python(value)


class Encoding(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"  # the same in every language
    UTF8_BOM = "utf-8-sig", _("UTF-8 with byte order mark")
    GBK = "gbk", _("GBK (Simplified Chinese)")


class Dedupe(models.TextChoices):
    SKIP = "skip", _("Skip rows that match an existing record")
    UPDATE = "update", _("Update the matching record with the row's values")
    CREATE = "create", _("Create a new record anyway")


class Status(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Stopped by an error")


ACTIVE = (Status.QUEUED, Status.RUNNING)


class ImportJob(models.Model):
    """One uploaded CSV file being imported as one object type (companies, contacts...) by one member of staff."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    object_type = models.CharField(_("import as"), max_length=32)
    source_name = models.CharField(_("source"), max_length=100)
    source_key = models.CharField(max_length=100, editable=False, default="")
    file_name = models.CharField(_("file name"), max_length=255, blank=True, default="")
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    detected_encoding = models.CharField(_("detected encoding"), max_length=16, choices=Encoding.choices)
    encoding = models.CharField(_("encoding"), max_length=16, choices=Encoding.choices)
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    headers = models.JSONField(_("column headers"), default=list)
    mapping = models.JSONField(_("column mapping"), default=list)
    dedupe = models.CharField(_("duplicates"), max_length=8, choices=Dedupe.choices, default=Dedupe.SKIP)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    position = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.CharField(_("error"), max_length=500, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, blank=True, default="", editable=False)  # kernel.language
    upload = EncryptedBinaryField(person="pk", null=True, editable=False)

    objects = ScopedManager["ImportJob"]()
    record_access = Personal(owner="created_by")
    data_classification = classify(
        internal=[
            "id", "created_by", "created_at", "updated_at", "started_at", "finished_at", "object_type", "file_size",
            "detected_encoding", "encoding", "delimiter", "mapping", "dedupe", "status", "total_rows", "position",
            "created_count", "updated_count", "skipped_count", "rejected_count", "heartbeat_at", "error", "language",
        ],
        confidential=["source_name", "source_key", "file_name", "headers"],
        restricted=["upload"],
    )  # fmt: skip

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["created_by", "created_at", "id"], name="imp_job_owner_created"),
            models.Index(fields=["created_at", "id"], name="imp_job_created"),
            models.Index(fields=["status", "heartbeat_at"], name="imp_job_status"),
        ]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.file_name})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED)

    @property
    def object_type_label(self) -> str:
        from bastion.imports.adapters import ADAPTERS

        adapter = ADAPTERS.get(self.object_type)
        return str(adapter.label) if adapter is not None else self.object_type

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else int(100 * self.position / self.total_rows)


class ImportRejection(models.Model):
    """A row the import refused: its line in the file, the columns at fault and why, and its values (encrypted)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_index = models.PositiveIntegerField()
    line = models.PositiveIntegerField(_("line"))
    columns = models.CharField(_("columns"), max_length=500, blank=True, default="")
    reason = EncryptedTextField(_("reason"), person="job_id")
    values = EncryptedTextField(_("values"), person="job_id")

    objects = ScopedManager["ImportRejection"]()
    record_access = Through("job")
    data_classification = classify(
        internal=["id", "job", "row_index", "line"], confidential=["columns"], restricted=["reason", "values"]
    )

    class Meta:
        ordering = ["row_index"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        constraints = [models.UniqueConstraint(fields=["job", "row_index"], name="imp_rejection_once_per_row")]

    def __str__(self) -> str:
        return f"line {self.line}"


class ImportLane(models.Model):
    """A share of a job's rows that a process of its own imports beside the others (docs/adr/0062).

    Which rows are in which lane is worked out again from the file each time a lane runs
    (``imports.actions_lanes.plan``: the same file, mapping and number of lanes give the same lanes); a
    lane keeps only how many rows it has and how many of them are done, advanced with each batch
    in the batch's transaction, as a job without lanes advances ``ImportJob.position``.
    """

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="lanes")
    number = models.PositiveSmallIntegerField()
    rows = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)

    objects = ScopedManager["ImportLane"]()
    record_access = Through("job")
    data_classification = classify(internal=["id", "job", "number", "rows", "position"])

    class Meta:
        ordering = ["number"]
        verbose_name = _("import lane")
        verbose_name_plural = _("import lanes")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="imp_lane_number")]

    def __str__(self) -> str:
        return f"lane {self.number}: {self.position}/{self.rows}"


class SavedMapping(models.Model):
    """The column mapping last used for a source ("Old CRM export") and object type, offered again next time."""

    id = models.BigAutoField(primary_key=True)
    object_type = models.CharField(max_length=32)
    source_key = models.CharField(max_length=100)
    source_name = models.CharField(_("source"), max_length=100)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedManager["SavedMapping"]()
    record_access = Vocabulary()
    data_classification = classify(
        internal=["id", "object_type", "source_key", "updated_at", "updated_by"], confidential=["source_name", "columns"]
    )

    class Meta:
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")
        constraints = [models.UniqueConstraint(fields=["object_type", "source_key"], name="imp_mapping_per_source")]

    def __str__(self) -> str:
        return f"{self.object_type}: {self.source_name}"
