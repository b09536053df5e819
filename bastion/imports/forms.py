"""Forms of the import pages: the upload, and the column mapping with the duplicate policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bastion.imports.adapters import Adapter, object_type_choices
from bastion.imports.csvfile import header_labels
from bastion.imports.models import Dedupe, Encoding
from bastion.kernel.widgets import ActionErrorsMixin, BastionForm

AUTO = ""


class UploadForm(ActionErrorsMixin, BastionForm):
    object_type = forms.ChoiceField(label=_("The file contains"), choices=())
    source_name = forms.CharField(
        label=_("Source"),
        max_length=100,
        help_text=_("Where the file comes from, e.g. “Trade fair 2026”. The column mapping is remembered per source."),
    )
    file = forms.FileField(label=_("CSV file"), help_text=_("A .csv file with a header row; UTF-8 or GBK."))
    encoding = forms.ChoiceField(
        label=_("Encoding"), required=False, choices=[(AUTO, _("Detect automatically")), *Encoding.choices]
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices(actor)  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"


class MappingForm(ActionErrorsMixin, BastionForm):
    """One select per column (``column_0`` ...), the encoding and what to do with duplicates."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=Encoding.choices)
    dedupe = forms.ChoiceField(
        label=_("Rows that match an existing record"), choices=Dedupe.choices, widget=forms.RadioSelect, initial=Dedupe.SKIP
    )

    def __init__(self, *args: Any, adapter: Adapter, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— Do not import —")), *[(spec.key, spec.label) for spec in adapter.fields]]
        for index, label in enumerate(header_labels(headers)):
            self.fields[f"column_{index}"] = forms.ChoiceField(label=label, choices=choices, required=False)

    def column_fields(self) -> list[Any]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}") or "" for index in range(len(self.headers))]


def mapping_initial(job: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {f"column_{index}": field for index, field in enumerate(job.mapping)}
    initial.update(encoding=job.encoding, dedupe=job.dedupe)
    return initial
