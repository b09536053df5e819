"""Top-level URL map. Each domain owns its own ``urls.py`` (HTML) and ``api.py`` routes."""

from django.conf import settings
from django.urls import include, path
from django.views.generic.base import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language

from bastion.kernel import health
from bastion.kernel.views import home, roles_matrix

urlpatterns = [
    path("", home, name="home"),
    path("access/roles/", roles_matrix, name="roles-matrix"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages without an icon link (and for error pages): send them
    # to the real icon, with no sign-in and nothing audited, instead of an (audited) 404. The target is
    # the unhashed name, which whitenoise also serves, so a permanent redirect stays right when the icon changes.
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}bastion/favicon.svg", permanent=True, query_string=False),
        name="favicon",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("bastion.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("bastion.directory.urls")),
    path("", include("bastion.imports.urls")),
    path("", include("bastion.sales.urls")),
    path("", include("bastion.commerce.urls")),
    path("api/v1/", include("bastion.api_urls")),
]

# The audit trail's pages (security officers, administrators) and audited HTML 403/404 pages.
urlpatterns += [path("audit/", include("bastion.kernel.audit.urls"))]
handler403 = "bastion.kernel.audit.http.permission_denied"
handler404 = "bastion.kernel.audit.http.not_found"
