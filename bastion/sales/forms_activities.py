"""The activity form (task, call, meeting, note)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.directory.forms import ActionErrorsMixin, BastionForm, OwnerChoiceField
from bastion.kernel.widgets import ISO_DATETIME_LOCAL, IsoDateTimeInput
from bastion.sales.models import ActivityKind
from bastion.sales.selectors_activities import PERIODS, TASK_STATES


def _when(label: Any, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=IsoDateTimeInput(),
        input_formats=[ISO_DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        help_text=help_text,
    )


class ActivityForm(ActionErrorsMixin, BastionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    assignee = OwnerChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody"))
    due_at = _when(_("Due"), _("Tasks: when it must be done."))
    remind_at = _when(_("Reminder"), _("Tasks: when to email you and show it on My day before it is due."))
    starts_at = _when(_("Starts"), _("Meetings and calls."))
    ends_at = _when(_("Ends"), _("Meetings."))
    details = forms.CharField(label=_("Details"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.UUIDField(required=False, widget=forms.HiddenInput)
    company = forms.UUIDField(required=False, widget=forms.HiddenInput)
    lead = forms.UUIDField(required=False, widget=forms.HiddenInput)
    deal = forms.UUIDField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]

    def action_data(self, *, editing: bool) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if name != "next"}
        if editing:  # what an activity is about is set when it is created
            for name in ("contact", "company", "lead", "deal"):
                data.pop(name, None)
        return data

    @staticmethod
    def initial_for(activity: Any) -> dict[str, Any]:
        names = ("kind", "subject", "details", "due_at", "remind_at", "starts_at", "ends_at")
        initial: dict[str, Any] = {name: getattr(activity, name) for name in names}
        initial["assignee"] = activity.assignee_id
        return initial


class ActivityFilterForm(BastionForm):
    """The filters above the activity list (GET); invalid values are reported and ignored."""

    q = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *ActivityKind.choices])
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *TASK_STATES.items()])
    period = forms.ChoiceField(label=_("When"), required=False, choices=[("", _("Any time")), *PERIODS.items()])
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int, empty_value=None)
    # What the activities are about (a record's "All activities" link); checked against what the user may see.
    contact = forms.UUIDField(required=False, widget=forms.HiddenInput)
    company = forms.UUIDField(required=False, widget=forms.HiddenInput)
    lead = forms.UUIDField(required=False, widget=forms.HiddenInput)
    deal = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, assignees: Any) -> None:
        super().__init__(data)
        self.fields["assignee"].choices = [("", _("Anyone")), *((u.pk, u.get_full_name() or u.username) for u in assignees)]  # type: ignore[attr-defined]
