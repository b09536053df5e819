"""Revealing a masked restricted field: the contact page's form (with a reason) and the API endpoint.

Order of checks, both ways: a role that reads customer records and may reveal, then a fresh
second factor (step-up), then the form (reason, field), then the per-user and per-IP reveal
limits, then the audited read (bastion.directory.reveal). The page showing the value is never
cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bastion.accounts import limits
from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.accounts.stepup import StepUpRequired, stepup_required
from bastion.directory import reveal
from bastion.directory.access import access_contact_by_id
from bastion.directory.api_serializers import ApiErrorSerializer
from bastion.directory.forms import RevealForm
from bastion.directory.views import forbidden, reader_required, render_masked
from bastion.kernel.access.masking import may_reveal
from bastion.kernel.api import IsOrganisationStaff

View = Callable[..., HttpResponse]


def revealer_required(view: View) -> View:
    """A role that may reveal restricted values: else 403 (audited)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_reveal(request.user):
            return forbidden(request, _("Your role cannot reveal restricted values."))
        return view(request, *args, **kwargs)

    return wrapped


@reader_required
@revealer_required
@stepup_required
@require_http_methods(["GET", "POST"])
def contact_reveal(request: HttpRequest, contact_id: UUID, field: str) -> HttpResponse:
    contact = access_contact_by_id(request.user, contact_id)
    return reveal_page(
        request, contact, field, reveal.REVEALABLE,
        lambda reason: reveal.reveal_field(request.user, contact.pk, field, reason, request=request),
        nav="contacts", templates=("directory/contacts/reveal.html", "directory/contacts/revealed.html"), name="contact",
    )  # fmt: skip


def reveal_page(
    request: HttpRequest,
    record: Any,
    field: str,
    readers: reveal.Readers,
    call: Callable[[str], Any],
    *,
    nav: str,
    templates: tuple[str, str],
    name: str,
) -> HttpResponse:
    """The reveal form of ``record`` (GET) and, for a valid POST within the limits, the revealed value
    (``call(reason)``, the audited read); shared by contacts and leads. ``name``: the record's name in the context."""
    if field not in readers:
        raise Http404(_("There is no such field to reveal."))
    form = RevealForm(request.POST or None)
    context = {"nav": nav, name: record, "field": field, "label": str(readers[field][0]), "form": form}
    if request.method == "POST" and form.is_valid():
        hit = limits.check_request(request, "reveal")
        if hit is not None:
            return render(request, "directory/rate_limited.html", {"message": limits.refusal_message(hit)}, status=429)
        try:
            revealed = call(form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            response = render(request, templates[1], {"nav": nav, "revealed": revealed})
            response["Cache-Control"] = "no-store"
            return response
    return render_masked(request, templates[0], context, status=400 if form.is_bound else 200)


# --- API ---------------------------------------------------------------------------------------


class MayReveal(BasePermission):
    message = "Your role cannot reveal restricted values."

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_reveal(request.user)


class RevealLimited(APIException):
    status_code = 429
    default_code = "rate_limited"


class RevealInputSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=sorted(reveal.REVEALABLE), help_text="The masked field to reveal.")
    reason = serializers.CharField(
        min_length=reveal.MIN_REASON_LENGTH,
        max_length=reveal.MAX_REASON_LENGTH,
        help_text="Why you need the value; recorded in the audit trail (the value is not).",
    )


class ContactRevealView(APIView):
    """Reveal one masked field of a contact; a session with a fresh second factor only (tokens are refused)."""

    permission_classes = [IsOrganisationStaff, MayReveal, StepUpRequired, TokenAndNetworkPolicy]
    token_resource = "contact"  # noqa: S105 - the API-token scope resource, not a secret

    @extend_schema(
        summary="Reveal a masked field of a contact (audited, rate-limited, step-up)",
        request=RevealInputSerializer,
        responses={
            200: inline_serializer(
                "RevealedField",
                {"field": serializers.CharField(), "values": serializers.ListField(child=serializers.CharField())},
            ),
            400: OpenApiResponse(ApiErrorSerializer, description="No reason, or a field that cannot be revealed."),
            403: OpenApiResponse(
                ApiErrorSerializer,
                description="A role that may not reveal; no second factor in the last 5 minutes (`step_up_required`); "
                "or an API token (`step_up_unavailable`).",
            ),
            404: OpenApiResponse(ApiErrorSerializer, description="No such contact, or you may not see it."),
            429: OpenApiResponse(ApiErrorSerializer, description="Too many reveals; `detail` says when to retry."),
        },
    )
    def post(self, request: Request, id: str) -> Response:
        contact = access_contact_by_id(request.user, id)
        return reveal_response(
            request,
            RevealInputSerializer,
            lambda field, reason: reveal.reveal_field(request.user, contact.pk, field, reason, request=request._request),
        )


def reveal_response(request: Request, serializer_class: Any, call: Callable[[str, str], Any]) -> Response:
    """Validate the field and reason, check the reveal limits, then ``call(field, reason)`` (the audited
    read) and answer with the values, never cached; shared by the contact and lead API views."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    hit = limits.check_request(request._request, "reveal", request.user)
    if hit is not None:
        raise RevealLimited(limits.refusal_message(hit))
    data = serializer.validated_data
    try:
        revealed = call(data["field"], data["reason"])
    except ValidationError as exc:
        raise ApiValidationError(exc.message_dict) from exc
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc)) from exc
    return Response({"field": revealed.field, "values": revealed.values}, headers={"Cache-Control": "no-store"})
