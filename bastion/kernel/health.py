"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from bastion.kernel.crypto.router import KEYSTORE_ALIAS


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering."""
    return JsonResponse({"status": "ok"})


def _pending(alias: str) -> int:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the key store answer and every migration is applied to both."""
    try:
        pending = sum(_pending(alias) for alias in (DEFAULT_DB_ALIAS, KEYSTORE_ALIAS) if alias in connections.settings)
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "database": "ok", "pending_migrations": pending}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "pending_migrations": 0})
