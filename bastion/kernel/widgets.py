"""Form widgets and the form base every app shares.

Browsers' ``<input type="date">`` and ``<input type="datetime-local">`` accept only ISO values
(``2026-12-31``, ``2026-12-31T09:30``) whatever the interface language, while Django renders a
date in the active locale's format (``2026/12/31`` in Simplified Chinese): the browser then drops
the value. These widgets always render the ISO format; parsing is unaffected (Django's input
formats always include ISO).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ``YYYY-MM-DD``."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` whose value is always ``YYYY-MM-DDTHH:MM``."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)


class BastionForm(forms.Form):
    """Every app's form base: labels without a colon; required fields' labels get the ``required`` class (an asterisk)."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def has_errors(self) -> bool:
        """Whether the page should say the form was not saved."""
        return self.is_bound and bool(self.errors)


class ActionErrorsMixin:
    """Show a ``ValidationError`` raised by an action next to the fields it names."""

    def add_action_errors(self, error: ValidationError) -> None:
        form: Any = self
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            form.add_error(target, messages)
