"""Fetch one import job as a user: the only way views and the API get one. Missing and forbidden are the same 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from bastion.directory.access import parse_uuid
from bastion.imports.models import ImportJob
from bastion.imports.selectors import job_queryset


def access_import_by_id(user: Any, job_id: Any, *, lock: bool = False) -> ImportJob:
    """The import job ``job_id`` if ``user`` may see it (their own, or any for an administrator); else 404."""
    pk = parse_uuid(job_id)
    queryset = job_queryset(user)
    if lock:
        queryset = queryset.select_for_update()
    job = queryset.filter(pk=pk).first() if pk else None
    if job is None:
        raise Http404(_("No such import, or you do not have access to it."))
    return job
