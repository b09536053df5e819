"""The language a background job writes in: the one its starter's request used (Bastion keeps no
language per user), so what the job stores for them to read afterwards (a rejected row's reason,
why a record stayed with its owner, why the job stopped) is in their language, not the server's."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def of_request() -> str:
    """The language active now: in a request, the one the user chose (LocaleMiddleware)."""
    return translation.get_language() or settings.LANGUAGE_CODE


def speaking(language: str | None) -> translation.override:
    """Run the job's work in ``language`` (the site's default if none was kept, as for older jobs)."""
    known = {code for code, _name in settings.LANGUAGES}
    return translation.override(language if language in known else settings.LANGUAGE_CODE)
