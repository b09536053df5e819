"""REST API for CSV imports: upload (multipart), start with a column mapping, follow, read rejected rows, delete.

Every endpoint needs a role that may change customer records, and an API token needs the
``import:read`` / ``import:write`` scope. A member of staff sees their own imports; an
administrator sees all. Rows are imported by the background worker through the same actions as
the web pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.directory.api_serializers import ApiErrorSerializer
from bastion.imports import actions, csvfile, selectors
from bastion.imports.access import access_import_by_id
from bastion.imports.adapters import ADAPTERS
from bastion.imports.models import Dedupe, Encoding, ImportJob
from bastion.imports.uploads import MemoryOnlyUploadHandler, file_bytes
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request

ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Invalid input; `fields` names each bad field."),
    401: OpenApiResponse(ApiErrorSerializer, description="No valid bearer token or session."),
    403: OpenApiResponse(
        ApiErrorSerializer, description="Your role may not import customer records, or the token lacks the scope."
    ),
}
NOT_FOUND = {404: OpenApiResponse(ApiErrorSerializer, description="No such import, or it is not yours.")}
ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The import's id (a UUID).")
REJECTIONS_PAGE = 500
ENCODING_HELP = f"One of {', '.join(Encoding.values)}; empty: detected on upload, kept on start."


class ImportPermission(BasePermission):
    message = "Your role does not allow importing customer records."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_change_customer_records(request.user)


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    fields_available = serializers.SerializerMethodField(help_text="Fields a column can be mapped to (key and label).")
    encoding = serializers.CharField(read_only=True, help_text="utf-8, utf-8-sig (with byte order mark) or gbk.")
    detected_encoding = serializers.CharField(read_only=True, help_text="What the file looked like on upload.")

    class Meta:
        model = ImportJob
        fields = [
            "id", "object_type", "source_name", "file_name", "file_size", "detected_encoding", "encoding", "headers",
            "mapping", "fields_available", "dedupe", "status", "total_rows", "position", "created_count",
            "updated_count", "skipped_count", "rejected_count", "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields_available(self, job: ImportJob) -> list[dict[str, str]]:
        adapter = ADAPTERS.get(job.object_type)
        return [{"key": spec.key, "label": str(spec.label)} for spec in (adapter.fields if adapter else ())]


class UploadSerializer(serializers.Serializer[Any]):
    object_type = serializers.ChoiceField(choices=sorted(ADAPTERS), help_text="What the file contains.")
    source_name = serializers.CharField(max_length=100, help_text="Where the file comes from; mappings are saved per source.")
    file = serializers.FileField(help_text="The CSV file, with a header row (UTF-8, UTF-8 with BOM or GBK).")
    encoding = serializers.CharField(required=False, allow_blank=True, default="", help_text=ENCODING_HELP)


class StartSerializer(serializers.Serializer[Any]):
    mapping = serializers.ListField(
        child=serializers.CharField(allow_blank=True), help_text='For each column in order: a field key, or "" to ignore it.'
    )
    dedupe = serializers.ChoiceField(choices=Dedupe.values, default=Dedupe.SKIP)
    encoding = serializers.CharField(required=False, allow_blank=True, default="", help_text=ENCODING_HELP)


class RejectionSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(help_text="The line of the row in the file (the header is line 1).")
    columns = serializers.CharField(help_text="The columns at fault, comma-separated.")
    reason = serializers.CharField(help_text="What is wrong, naming each column.")
    values = serializers.ListField(child=serializers.CharField(), help_text="The row's cells as read.")


class RejectionPageSerializer(serializers.Serializer[Any]):
    next_after = serializers.IntegerField(allow_null=True, help_text="Pass as `after` for the next page; null at the end.")
    results = RejectionSerializer(many=True)


def _act(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return action(*args, **kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from exc


@extend_schema_view(
    list=extend_schema(
        summary="List your imports",
        parameters=api_page_parameters(selectors.JOB_ORDERINGS, selectors.DEFAULT_JOB_ORDERING),
        responses={200: api_envelope_serializer(ImportJobSerializer), **ERRORS},
    ),
    create=extend_schema(
        summary="Upload a CSV file (multipart); returns the suggested column mapping",
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportJobSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get an import and its progress", parameters=[ID], responses={200: ImportJobSerializer, **ERRORS, **NOT_FOUND}
    ),
    destroy=extend_schema(
        summary="Delete a finished import and its report (crypto-shredded)",
        parameters=[ID],
        responses={204: None, **ERRORS, **NOT_FOUND},
    ),
)
class ImportViewSet(viewsets.GenericViewSet):
    """CSV imports of companies and contacts."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, ImportPermission]
    token_resource = "import"  # noqa: S105 - the API-token scope resource (accounts/scopes.py), not a secret
    parser_classes = [MultiPartParser, JSONParser]
    lookup_url_kwarg = "id"
    serializer_class = ImportJobSerializer

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        request.upload_handlers = [MemoryOnlyUploadHandler(request)]  # never a clear temporary file on disk
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.job_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        paging = page_request(request, orderings=selectors.JOB_ORDERINGS, default_ordering=selectors.DEFAULT_JOB_ORDERING)
        try:
            page = selectors.job_page(request.user, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, ImportJobSerializer(page.items, many=True).data))

    def create(self, request: Request) -> Response:
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        data = file_bytes(values["file"])
        if data is None:
            try:
                csvfile.check_size(values["file"].size)
            except csvfile.CsvProblem as problem:
                raise ValidationError({"file": [str(problem)]}) from None
        job = _act(
            actions.create_import,
            request.user,
            object_type=values["object_type"],
            source_name=values["source_name"],
            file_name=values["file"].name or "",
            data=data or b"",
            encoding=values["encoding"],
        )
        location = reverse("api-import-detail", args=[job.pk])
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED, headers={"Location": location})

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(ImportJobSerializer(access_import_by_id(request.user, id)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_import, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="imports_start",
        summary="Start the import with a column mapping and a duplicate policy",
        parameters=[ID],
        request=StartSerializer,
        responses={202: ImportJobSerializer, **ERRORS, **NOT_FOUND},
    )
    def start(self, request: Request, id: str) -> Response:
        serializer = StartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        job = access_import_by_id(request.user, id)
        _act(
            actions.start_import,
            request.user,
            job.pk,
            mapping=values["mapping"],
            dedupe=values["dedupe"],
            encoding=values["encoding"],
        )
        return Response(ImportJobSerializer(access_import_by_id(request.user, job.pk)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="imports_rejections",
        summary="The rejected rows: line, columns, reason and the row's cells (audited as an export)",
        parameters=[
            ID,
            OpenApiParameter("after", OpenApiTypes.INT, description="Only rows after this row index (from `next_after`)."),
        ],
        responses={200: RejectionPageSerializer, **ERRORS, **NOT_FOUND},
    )
    def rejections(self, request: Request, id: str) -> Response:
        job = access_import_by_id(request.user, id)
        try:
            after = int(request.query_params.get("after", "-1"))
        except ValueError:
            raise ValidationError({"after": ["Give a whole number from `next_after`."]}) from None
        rows = selectors.rejections(job, after=after, limit=REJECTIONS_PAGE + 1)
        more = len(rows) > REJECTIONS_PAGE
        rows = rows[:REJECTIONS_PAGE]
        actions.record_report_download(request.user, job, len(rows))
        results = [
            {"line": r.line, "columns": r.columns, "reason": str(r.reason), "values": json.loads(str(r.values))} for r in rows
        ]
        return Response({"next_after": rows[-1].row_index if more else None, "results": results})
