"""A list's "Tag the chosen": tags added to, or taken off, the companies or contacts ticked on their list.

Each record changes through its update action (bastion.directory.actions), with its tags read
again under the record's lock, so a tag another user added meanwhile is kept; a record the user may
only read, or that would then carry too many tags, is left as it was and reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bastion.directory import actions as directory_actions
from bastion.directory import validation
from bastion.directory.names import search_key
from bastion.sales.handover import HandOver, each_chosen, lock_row
from bastion.sales.selectors_chosen import CHOOSABLE

TAGGABLE = {"companies": directory_actions.update_company, "contacts": directory_actions.update_contact}


def tag_chosen(actor: Any, kind: str, pks: Iterable[Any], *, add: Any, remove: Any) -> HandOver:
    """Add the tags named in ``add`` to the chosen records of ``kind`` and take off those in ``remove``
    (names, or comma-separated text): at most :data:`BATCH` records. ``moved`` counts the records
    that changed; one that already had (or lacked) the tags is not counted and writes nothing."""
    errors = validation.Errors()
    adding, removing = validation.tags(add, errors, "add"), validation.tags(remove, errors, "remove")
    if not errors and not adding and not removing:
        errors.add("add", _("Name at least one tag to add or to take off."))
    both = {search_key(name) for name in adding} & {search_key(name) for name in removing}
    if both:
        name = next(name for name in adding if search_key(name) in both)
        errors.add("add", _("“%(tag)s” cannot be both added and taken off.") % {"tag": name})
    errors.raise_if_any()
    model, update = CHOOSABLE[kind][0], TAGGABLE[kind]

    def retag(pk: Any) -> int:
        lock_row(model, pk)
        record = model.objects.visible_to(actor).filter(pk=pk).first()
        if record is None:
            raise ValidationError(_("It no longer exists, or you can no longer see it."))
        current = list(record.tags.order_by("name").values_list("name", flat=True))
        names = _retagged(current, adding, removing)
        if names == current:
            return 0
        update(actor, pk, {"tags": names})
        return 1

    return each_chosen(kind, pks, retag)


def _retagged(current: list[str], adding: list[str], removing: list[str]) -> list[str]:
    """``current`` without the tags in ``removing`` and with those in ``adding`` (ignoring case), in that order."""
    gone = {search_key(name) for name in removing}
    kept = [name for name in current if search_key(name) not in gone]
    have = {search_key(name) for name in kept}
    return kept + [name for name in adding if search_key(name) not in have]
