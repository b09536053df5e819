"""Date and date-time inputs keep their value in every language.

Browsers accept only ISO values in ``<input type="date">`` (``2026-12-31``) and
``<input type="datetime-local">`` (``2026-12-31T09:30``); Django renders dates in the active
locale's format (``2026/12/31`` in Simplified Chinese), which the browser drops. Every such input
uses ``bastion.kernel.widgets`` and renders ISO whatever the language.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from bastion.commerce.forms import OrderForm
from bastion.directory.forms import ContactForm
from bastion.directory.forms_sharing import ShareForm
from bastion.kernel.audit.views import EventFilterForm
from bastion.sales.forms import DealForm
from bastion.sales.forms_activities import ActivityForm

BASTION = Path(__file__).resolve().parents[1] / "bastion"
DAY = dt.date(2026, 12, 31)
MOMENT = dt.datetime(2026, 12, 31, 9, 30, tzinfo=dt.UTC)


def value_of(html: str) -> str:
    found = re.search(r'\bvalue="([^"]*)"', html)
    assert found is not None, html
    return found[1]


def _nobody() -> Any:
    return get_user_model().objects.none()


FORMS: dict[str, tuple[Callable[[], forms.Form], str, str, str]] = {
    # name: (form with an initial value, field, input type, expected value)
    "sharing": (lambda: ShareForm(users=[], teams=[], initial={"expires_on": DAY}), "expires_on", "date", "2026-12-31"),
    "audit from": (lambda: EventFilterForm(initial={"since": DAY}), "since", "date", "2026-12-31"),
    "audit to": (lambda: EventFilterForm(initial={"until": DAY}), "until", "date", "2026-12-31"),
    "deal": (
        lambda: DealForm(stages=[], currencies=["USD"], owners=_nobody(), teams=[], initial={"expected_close_date": DAY}),
        "expected_close_date",
        "date",
        "2026-12-31",
    ),
    "order": (
        lambda: OrderForm(currencies=["USD"], owners=_nobody(), teams=[], initial={"ordered_at": DAY}),
        "ordered_at",
        "date",
        "2026-12-31",
    ),
    "activity due": (
        lambda: ActivityForm(assignees=_nobody(), initial={"due_at": MOMENT}),
        "due_at",
        "datetime-local",
        "2026-12-31T09:30",
    ),
    "activity reminder": (
        lambda: ActivityForm(assignees=_nobody(), initial={"remind_at": MOMENT}),
        "remind_at",
        "datetime-local",
        "2026-12-31T09:30",
    ),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_form_renders_its_date_in_iso_format(name: str, language: str) -> None:
    make, field, input_type, expected = FORMS[name]
    with translation.override(language):
        html = str(make()[field])
    assert f'type="{input_type}"' in html
    assert value_of(html) == expected


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_contacts_date_of_birth_renders_in_iso_format(language: str) -> None:
    """No role sees a stored date of birth (it is restricted), so the widget itself is checked."""
    widget = ContactForm.base_fields["date_of_birth"].widget
    with translation.override(language):
        html = widget.render("date_of_birth", DAY)
    assert 'type="date"' in html and value_of(html) == "2026-12-31"


def test_the_sharing_page_in_chinese_proposes_an_iso_end_date(personas: Any, signed_in: Any, settings: Any) -> None:
    from bastion.directory import actions

    erin = actions.create_contact(personas.rep_east, {"given_name": "Erin", "family_name": "Eastwood"})
    client = signed_in(personas.rep_east)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("directory:contact-sharing", args=[erin.pk]))
    assert response.status_code == 200 and '<html lang="zh-hans">' in response.content.decode()
    found = re.search(r'<input type="date" name="expires_on" value="([^"]*)"', response.content.decode())
    assert found is not None
    assert dt.date.fromisoformat(found[1]) > timezone.localdate()


def _form_classes() -> Iterator[type[forms.Form]]:
    """Every form class defined in a ``forms*.py`` module under bastion/, and the audit trail's filter."""
    for path in sorted(BASTION.rglob("forms*.py")):
        if "tests" not in path.parts:
            importlib.import_module(".".join(path.relative_to(BASTION.parent).with_suffix("").parts))
    pending: list[type[forms.Form]] = [forms.Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("bastion."):
            yield cls


def test_every_date_input_in_the_project_renders_iso_in_chinese() -> None:
    checked: list[str] = []
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            input_type = getattr(field.widget, "input_type", None)
            if input_type not in {"date", "datetime-local"}:
                continue
            value, expected = (MOMENT, "2026-12-31T09:30") if input_type == "datetime-local" else (DAY, "2026-12-31")
            with translation.override("zh-hans"):
                html = field.widget.render(name, value)
            assert value_of(html) == expected, f"{cls.__module__}.{cls.__name__}.{name}: {html}"
            checked.append(f"{cls.__name__}.{name}")
    known = {"ShareForm.expires_on", "EventFilterForm.since", "DealForm.expected_close_date", "OrderForm.ordered_at"}
    assert known | {"ContactForm.date_of_birth", "ActivityForm.due_at"} <= set(checked)  # the sweep found them
