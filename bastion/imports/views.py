"""Import pages: list, upload, column mapping with preview, progress, rejected-rows report, delete.

Thin (DESIGN.md): parse, call bastion.imports.actions or a selector, render. Only roles that may
change customer records get in (``writer_required``); a job is fetched with ``access_import_by_id``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from bastion.directory.views import bad_page_request, writer_required
from bastion.imports import actions, csvfile, selectors
from bastion.imports.access import access_import_by_id
from bastion.imports.adapters import adapter_for
from bastion.imports.forms import MappingForm, UploadForm, mapping_initial
from bastion.imports.models import ImportJob, Status
from bastion.imports.report import rejected_rows_csv
from bastion.imports.uploads import MemoryOnlyUploadHandler, file_bytes
from bastion.kernel.pagination import PaginationError, parse_page_request

PREVIEW_ROWS = 10
SHOWN_REJECTIONS = 50


@writer_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.JOB_ORDERINGS, default_ordering=selectors.DEFAULT_JOB_ORDERING
        )
        page = selectors.job_page(request.user, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="imports", back=reverse("imports:list"))
    return render(request, "imports/list.html", {"nav": "imports", "page": page})


# Not a CSRF hole: exempt only so the memory-only upload handler can be set before the body is
# read; the inner view is @csrf_protect (Django's documented pattern for custom upload handlers).
@csrf_exempt
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file. The upload handler is set before CSRF reads the body, so the file stays in memory."""
    request.upload_handlers = [MemoryOnlyUploadHandler(request)]
    return _import_new(request)


@csrf_protect
@writer_required
@require_http_methods(["GET", "POST"])
def _import_new(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = file_bytes(upload)
        try:
            if data is None:
                csvfile.check_size(upload.size)
            job = actions.create_import(
                request.user,
                object_type=form.cleaned_data["object_type"],
                source_name=form.cleaned_data["source_name"],
                file_name=upload.name or "",
                data=data or b"",
                encoding=form.cleaned_data["encoding"],
            )
        except csvfile.CsvProblem as problem:
            form.add_error("file", str(problem))
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            return redirect("imports:mapping", job_id=job.pk)
    context = {"nav": "imports", "form": form, "max_mb": csvfile.max_bytes() // 1048576, "max_rows": f"{csvfile.max_rows():,}"}
    return render(request, "imports/upload.html", context, status=400 if form.errors else 200)


def _preview(job: ImportJob, mapping: list[str], encoding: str) -> dict[str, Any]:
    """The first rows as they will be imported: one column per chosen field, in the file's column order."""
    adapter = adapter_for(job.object_type)
    try:
        parsed = actions.load_rows(job, encoding)
    except csvfile.CsvProblem as problem:
        return {"preview_error": str(problem)}
    fields = [field for field in mapping if field]
    rows = []
    for row in parsed.rows[:PREVIEW_ROWS]:
        values = actions.mapped_values(mapping, row.cells)
        rows.append({"line": row.line, "cells": [values.get(field, "") for field in fields]})
    return {"preview_fields": [adapter.field_label(field) for field in fields], "preview_rows": rows}


@writer_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = access_import_by_id(request.user, job_id)
    if job.status != Status.UPLOADED:
        return redirect("imports:detail", job_id=job.pk)
    adapter = adapter_for(job.object_type)
    data = request.POST if request.method == "POST" else None
    form = MappingForm(data, adapter=adapter, headers=job.headers, initial=mapping_initial(job))
    mapping, encoding = list(job.mapping), job.encoding
    if data is not None and form.is_valid():
        mapping, encoding = form.mapping(), form.cleaned_data["encoding"]
        if request.POST.get("action") == "start":
            try:
                actions.start_import(request.user, job.pk, mapping=mapping, dedupe=form.cleaned_data["dedupe"], encoding=encoding)
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                messages.success(request, _("The import has started. You can leave this page; it carries on."))
                return redirect("imports:detail", job_id=job.pk)
    context = {"nav": "imports", "job": job, "form": form, **_preview(job, mapping, encoding)}
    htmx = request.headers.get("HX-Request") == "true"
    template = "imports/_preview.html" if htmx and request.POST.get("action") != "start" else "imports/mapping.html"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _status_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    rejections = selectors.rejections(job, limit=SHOWN_REJECTIONS) if job.is_finished else []
    return {"nav": "imports", "job": job, "rejections": rejections, "more_rejections": job.rejected_count > len(rejections)}


@writer_required
@require_GET
def import_detail(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = access_import_by_id(request.user, job_id)
    if job.status == Status.UPLOADED:
        return redirect("imports:mapping", job_id=job.pk)
    return render(request, "imports/detail.html", _status_context(request, job))


@writer_required
@require_GET
def import_progress(request: HttpRequest, job_id: Any) -> HttpResponse:
    """The progress fragment htmx polls while the job runs (it stops polling once the job has finished)."""
    job = access_import_by_id(request.user, job_id)
    return render(request, "imports/_status.html", _status_context(request, job))


@writer_required
@require_GET
def import_report(request: HttpRequest, job_id: Any) -> HttpResponse:
    """The rejected rows as a CSV download (audited: it holds the rows' personal data)."""
    job = access_import_by_id(request.user, job_id)
    rejections = selectors.rejections(job)
    body = rejected_rows_csv(job, rejections)
    actions.record_report_download(request.user, job, len(rejections))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{job.pk}.csv"'
    return response


@writer_required
@require_http_methods(["GET", "POST"])
def import_delete(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = access_import_by_id(request.user, job_id)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_import(request.user, job.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("imports:detail", job_id=job.pk)
        messages.success(request, _("The import and its report were deleted. The imported records are kept."))
        return redirect("imports:list")
    return render(request, "imports/confirm_delete.html", {"nav": "imports", "job": job})
