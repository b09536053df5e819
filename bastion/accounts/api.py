"""``GET /api/v1/me/``: who the API caller is (the smallest authenticated endpoint)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bastion.accounts.selectors import profile_of


class MeSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    teams = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The authenticated caller's username, role and teams."""

    token_resource = "profile"  # noqa: S105 - a scope resource name (accounts/scopes.py), not a secret

    @extend_schema(responses=MeSerializer, operation_id="me")
    def get(self, request: Request) -> Response:
        profile = profile_of(request.user)
        return Response(MeSerializer({"username": profile.username, "role": profile.role, "teams": profile.teams}).data)
