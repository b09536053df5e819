"""REST API for companies and contacts: thin viewsets over the selectors, access functions and actions.

``GET`` needs a role that reads customer records; writes need one that changes them. Lists use
keyset pagination (bastion.kernel.pagination): ``{"next", "previous", "results"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from bastion.accounts import limits
from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.directory import actions, actions_erase, fieldsecurity, selectors
from bastion.directory.access import access_company_by_id, access_contact_by_id
from bastion.directory.api_serializers import (
    ApiErrorSerializer,
    CompanyFilterSerializer,
    CompanyInputSerializer,
    CompanySerializer,
    CompanySummarySerializer,
    ContactFilterSerializer,
    ContactInputSerializer,
    ContactSerializer,
    ContactSummarySerializer,
)
from bastion.directory.audit import record_view, target_of
from bastion.directory.models import Company, Contact
from bastion.kernel.access.masking import FieldNotEditable, FieldNotVisible
from bastion.kernel.access.scoping import can_change_customer_records, can_see_customer_records
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request

INVALID = {400: OpenApiResponse(ApiErrorSerializer, description="Invalid input; `fields` names each bad field or parameter.")}
DENIED = {
    401: OpenApiResponse(ApiErrorSerializer, description="No valid bearer token or session."),
    403: OpenApiResponse(ApiErrorSerializer, description="Your role may not read or change customer records."),
}
ERRORS = {**INVALID, **DENIED}
ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The record's id (a UUID).")
NOT_FOUND = {404: OpenApiResponse(ApiErrorSerializer, description="No such record, or you may not see it.")}


class CustomerRecordsPermission(BasePermission):
    """Reads need a role that sees customer records; writes one that changes them."""

    message = "Your role does not allow this on customer records."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return can_see_customer_records(request.user)
        return can_change_customer_records(request.user)


def _act(action: Callable[..., Any], *args: Any) -> Any:
    """Call an action; its ``ValidationError`` becomes a 400 naming each field."""
    try:
        return action(*args)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from exc


def _valid(serializer_class: type[Serializer[Any]], data: Any, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _record_view(request: Request, record: Any) -> None:
    """A record read through the API is a sensitive read, like its web page: ``record.viewed``."""
    with transaction.atomic():
        record_view(request.user, target_of(record))


class FieldNotWritable(PermissionDenied):
    default_code = "field_not_editable"


def _writable(request: Request, model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` if the user's role may write every field in it; else 403 naming the fields (never their values)."""
    try:
        fieldsecurity.check_write(request.user, model, data)
    except FieldNotEditable as exc:
        raise FieldNotWritable(
            _("Your role may not change these fields: %(fields)s.") % {"fields": ", ".join(exc.fields)}
        ) from exc
    return data


class SearchLimited(APIException):
    status_code = 429
    default_code = "rate_limited"


def _searchable(request: Request, text: str, *, contacts: bool = True) -> str:
    """``text`` if the user may search by what it is (a name, email or phone) and is within the search limits.

    A search by a field the role may not see is 400 naming ``q`` (and an ``access.denied`` event);
    too many searches is 429.
    """
    if not text.strip():
        return text
    try:
        if contacts:
            fieldsecurity.check_contact_search(request.user, text)
    except FieldNotVisible as exc:
        from bastion.kernel.audit.denied import record_denied

        record_denied(request._request, reason=f"field_not_visible:{exc.field}", status=400, user=request.user)
        raise ValidationError({exc.param: [fieldsecurity.refusal_message(exc)]}) from exc
    hit = limits.check_request(request._request, "search", request.user)
    if hit is not None:
        raise SearchLimited(limits.refusal_message(hit))
    return text


def _out(request: Request) -> dict[str, Any]:
    """Serializer context: the masking of each field follows the requesting user's role."""
    return {"request": request}


class DirectoryViewSet(viewsets.GenericViewSet):
    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    lookup_url_kwarg = "id"


@extend_schema_view(
    list=extend_schema(
        summary="List companies",
        parameters=[
            CompanyFilterSerializer,
            *api_page_parameters(selectors.COMPANY_ORDERINGS, selectors.DEFAULT_COMPANY_ORDERING),
        ],
        responses={200: api_envelope_serializer(CompanySummarySerializer), **ERRORS},
    ),
    retrieve=extend_schema(parameters=[ID], summary="Get a company", responses={200: CompanySerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(summary="Add a company", request=CompanyInputSerializer, responses={201: CompanySerializer, **ERRORS}),
    update=extend_schema(
        parameters=[ID],
        summary="Replace a company's fields",
        request=CompanyInputSerializer,
        responses={200: CompanySerializer, **ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change some of a company's fields",
        request=CompanyInputSerializer,
        responses={200: CompanySerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID],
        summary="Delete a company (its contacts are kept, unlinked)",
        responses={204: None, **DENIED, **NOT_FOUND},
    ),
)
class CompanyViewSet(DirectoryViewSet):
    """Companies (accounts)."""

    token_resource = "company"  # noqa: S105 - the API-token scope resource (accounts/scopes.py), not a secret

    def get_queryset(self) -> Any:
        return selectors.company_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        values = _valid(CompanyFilterSerializer, request.query_params)
        filters = selectors.CompanyFilters(
            q=_searchable(request, values.get("q", ""), contacts=False),
            industry=values.get("industry", ""),
            size=values.get("size", ""),
            owner_id=values.get("owner"),
        )
        paging = page_request(request, orderings=selectors.COMPANY_ORDERINGS, default_ordering=selectors.DEFAULT_COMPANY_ORDERING)
        try:
            page = selectors.company_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, CompanySummarySerializer(page.items, many=True, context=_out(request)).data))

    def retrieve(self, request: Request, id: str) -> Response:
        company = access_company_by_id(request.user, id)
        body = CompanySerializer(company, context=_out(request)).data
        _record_view(request, company)
        return Response(body)

    def create(self, request: Request) -> Response:
        data = _writable(request, Company, _valid(CompanyInputSerializer, request.data))
        company = _act(actions.create_company, request.user, data)
        location = reverse("api-company-detail", args=[company.pk])
        body = CompanySerializer(access_company_by_id(request.user, company.pk), context=_out(request)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request: Request, id: str, partial: bool = False) -> Response:
        company = access_company_by_id(request.user, id, for_write=True)
        data = _writable(request, Company, _valid(CompanyInputSerializer, request.data, partial=partial))
        _act(actions.update_company, request.user, company.pk, data)
        return Response(CompanySerializer(access_company_by_id(request.user, company.pk), context=_out(request)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        return self.update(request, id, partial=True)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_company, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        parameters=[
            ContactFilterSerializer,
            *api_page_parameters(selectors.CONTACT_ORDERINGS, selectors.DEFAULT_CONTACT_ORDERING),
        ],
        responses={200: api_envelope_serializer(ContactSummarySerializer), **ERRORS},
    ),
    retrieve=extend_schema(parameters=[ID], summary="Get a contact", responses={200: ContactSerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(summary="Add a contact", request=ContactInputSerializer, responses={201: ContactSerializer, **ERRORS}),
    update=extend_schema(
        parameters=[ID],
        summary="Replace a contact's fields",
        request=ContactInputSerializer,
        responses={200: ContactSerializer, **ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change some of a contact's fields",
        request=ContactInputSerializer,
        responses={200: ContactSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(parameters=[ID], summary="Delete a contact", responses={204: None, **DENIED, **NOT_FOUND}),
)
class ContactViewSet(DirectoryViewSet):
    """Contacts (people), with their emails and phones."""

    token_resource = "contact"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.contact_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        values = _valid(ContactFilterSerializer, request.query_params)
        filters = selectors.ContactFilters(
            q=_searchable(request, values.get("q", "")),
            company_id=values.get("company"),
            owner_id=values.get("owner"),
            tag=values.get("tag", ""),
            preferred_language=values.get("preferred_language", ""),
        )
        paging = page_request(request, orderings=selectors.CONTACT_ORDERINGS, default_ordering=selectors.DEFAULT_CONTACT_ORDERING)
        try:
            page = selectors.contact_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, ContactSummarySerializer(page.items, many=True, context=_out(request)).data))

    def retrieve(self, request: Request, id: str) -> Response:
        contact = access_contact_by_id(request.user, id)
        body = ContactSerializer(contact, context=_out(request)).data
        _record_view(request, contact)
        return Response(body)

    def create(self, request: Request) -> Response:
        data = _writable(request, Contact, _valid(ContactInputSerializer, request.data))
        # The action re-checked, in its transaction, that the user sees the new contact (DESIGN.md rule 4), and hands
        # it back with the rows it wrote: the response shows them as stored, without reading them again.
        contact = _act(actions.create_contact, request.user, data)
        location = reverse("api-contact-detail", args=[contact.pk])
        body = ContactSerializer(contact, context=_out(request)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request: Request, id: str, partial: bool = False) -> Response:
        contact = access_contact_by_id(request.user, id, for_write=True)
        data = _writable(request, Contact, _valid(ContactInputSerializer, request.data, partial=partial))
        _act(actions.update_contact, request.user, contact.pk, data)
        return Response(ContactSerializer(access_contact_by_id(request.user, contact.pk), context=_out(request)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        return self.update(request, id, partial=True)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_contact, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="contacts_erase",
        parameters=[ID],
        request=None,
        summary="Erase a contact's personal data (crypto-shredding; administrators only)",
        description=(
            "Destroys the contact's data key and blind-index entries: every restricted field (emails, phones, "
            "address, date of birth, ID number, private notes) reads as “erased” from then on, here and in every "
            "backup. Cannot be undone. Repeating it is harmless."
        ),
        responses={200: ContactSerializer, **DENIED, **NOT_FOUND},
    )
    def erase(self, request: Request, id: str) -> Response:
        _act(actions_erase.shred_contact, request.user, id)
        return Response(ContactSerializer(access_contact_by_id(request.user, id), context=_out(request)).data)
