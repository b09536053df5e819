"""allauth's password forms with Bastion's labels (``ACCOUNT_FORMS`` in settings).

allauth labels them in title case ("Current Password", "New Password (again)"); every other
label in Bastion is in sentence case. Only labels and placeholders change: validation, saving
and the signals the audit trail listens to stay allauth's.
"""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.accounts.selectors import must_change_password


def _relabel(form: forms.Form, labels: dict[str, Any]) -> None:
    """Give ``form``'s fields these labels; a placeholder that repeated the old label repeats the new one."""
    for name, label in labels.items():
        field = form.fields[name]
        field.label = label
        if "placeholder" in field.widget.attrs:
            field.widget.attrs["placeholder"] = label


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {"oldpassword": _("Current password"), "password1": _("New password"), "password2": _("New password (again)")},
        )
        if must_change_password(self.user):  # the one-time password was just used: no "Forgot your password?" link
            self.fields["oldpassword"].help_text = ""


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self, {"password1": _("New password"), "password2": _("New password (again)")})


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": _("Email address")})
