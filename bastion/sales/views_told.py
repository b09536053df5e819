"""What a list action says afterwards (bastion.sales.views_chosen): how many records changed, how
many were already as asked, and, once per reason, how many were left as they were and why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import ngettext

from bastion.sales.handover import HandOver


@dataclass(frozen=True)
class Told:
    """What a list action says afterwards (each takes the count): how many records changed, how many
    were already as asked, and how many could not change, naming one (``%(name)s``) and why."""

    changed: Callable[[int], str]
    unchanged: Callable[[int], str]
    failed: Callable[[int], str]


HANDED_OVER = Told(  # "Change owner" (or assignee): %(recipient)s is the colleague
    lambda n: ngettext("%(count)d record handed over to %(recipient)s.", "%(count)d records handed over to %(recipient)s.", n),
    lambda n: ngettext(
        "%(count)d record already belonged to %(recipient)s and was left as it was.",
        "%(count)d records already belonged to %(recipient)s and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d record was not handed over, for example “%(name)s”: %(why)s",
        "%(count)d records were not handed over, for example “%(name)s”: %(why)s",
        n,
    ),
)
MOVED = Told(
    lambda n: ngettext("%(count)d deal moved.", "%(count)d deals moved.", n),
    lambda n: ngettext(
        "%(count)d deal was in that stage already and was left as it was.",
        "%(count)d deals were in that stage already and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d deal could not be moved, for example “%(name)s”: %(why)s",
        "%(count)d deals could not be moved, for example “%(name)s”: %(why)s",
        n,
    ),
)
STATUS_SET = Told(
    lambda n: ngettext("%(count)d lead changed status.", "%(count)d leads changed status.", n),
    lambda n: ngettext(
        "%(count)d lead had that status already and was left as it was.",
        "%(count)d leads had that status already and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d lead kept its status, for example “%(name)s”: %(why)s",
        "%(count)d leads kept their status, for example “%(name)s”: %(why)s",
        n,
    ),
)
ORDER_STATUS_SET = Told(
    lambda n: ngettext("%(count)d order changed status.", "%(count)d orders changed status.", n),
    lambda n: ngettext(
        "%(count)d order had that status already and was left as it was.",
        "%(count)d orders had that status already and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d order kept its status, for example %(name)s: %(why)s",
        "%(count)d orders kept their status, for example %(name)s: %(why)s",
        n,
    ),
)
TAGGED = Told(
    lambda n: ngettext("The tags of %(count)d record changed.", "The tags of %(count)d records changed.", n),
    lambda n: ngettext(
        "%(count)d record already had these tags and was left as it was.",
        "%(count)d records already had these tags and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d record kept its tags, for example “%(name)s”: %(why)s",
        "%(count)d records kept their tags, for example “%(name)s”: %(why)s",
        n,
    ),
)
ACTIVATED = Told(
    lambda n: ngettext("%(count)d product activated.", "%(count)d products activated.", n),
    lambda n: ngettext(
        "%(count)d product was active already and was left as it was.",
        "%(count)d products were active already and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d product could not be activated, for example “%(name)s”: %(why)s",
        "%(count)d products could not be activated, for example “%(name)s”: %(why)s",
        n,
    ),
)
DEACTIVATED = Told(
    lambda n: ngettext(
        "%(count)d product deactivated: it can no longer be put on new orders.",
        "%(count)d products deactivated: they can no longer be put on new orders.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d product was inactive already and was left as it was.",
        "%(count)d products were inactive already and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d product could not be deactivated, for example “%(name)s”: %(why)s",
        "%(count)d products could not be deactivated, for example “%(name)s”: %(why)s",
        n,
    ),
)
MARKED_DONE = Told(
    lambda n: ngettext("%(count)d task marked done.", "%(count)d tasks marked done.", n),
    lambda n: ngettext(
        "%(count)d was already done or is not a task, and was left as it was.",
        "%(count)d were already done or are not tasks, and were left as they were.",
        n,
    ),
    lambda n: ngettext(
        "%(count)d task could not be marked done, for example “%(name)s”: %(why)s",
        "%(count)d tasks could not be marked done, for example “%(name)s”: %(why)s",
        n,
    ),
)


def _deleted(changed: Callable[[int], str], failed: Callable[[int], str]) -> Told:
    """What a list's "Delete" says: every chosen record is either deleted or refused, so none is left as asked."""
    return Told(
        changed,
        lambda n: ngettext("%(count)d record was left as it was.", "%(count)d records were left as they were.", n),
        failed,
    )


DELETED = {
    "companies": _deleted(
        lambda n: ngettext("%(count)d company deleted.", "%(count)d companies deleted.", n),
        lambda n: ngettext(
            "%(count)d company was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d companies were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "contacts": _deleted(
        lambda n: ngettext("%(count)d contact deleted.", "%(count)d contacts deleted.", n),
        lambda n: ngettext(
            "%(count)d contact was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d contacts were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "leads": _deleted(
        lambda n: ngettext("%(count)d lead deleted.", "%(count)d leads deleted.", n),
        lambda n: ngettext(
            "%(count)d lead was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d leads were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "deals": _deleted(
        lambda n: ngettext("%(count)d deal deleted.", "%(count)d deals deleted.", n),
        lambda n: ngettext(
            "%(count)d deal was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d deals were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "activities": _deleted(
        lambda n: ngettext("%(count)d activity deleted.", "%(count)d activities deleted.", n),
        lambda n: ngettext(
            "%(count)d activity was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d activities were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "products": _deleted(
        lambda n: ngettext("%(count)d product deleted.", "%(count)d products deleted.", n),
        lambda n: ngettext(
            "%(count)d product was not deleted, for example “%(name)s”: %(why)s",
            "%(count)d products were not deleted, for example “%(name)s”: %(why)s",
            n,
        ),
    ),
    "orders": _deleted(
        lambda n: ngettext("%(count)d order deleted.", "%(count)d orders deleted.", n),
        lambda n: ngettext(
            "%(count)d order was not deleted, for example %(name)s: %(why)s",
            "%(count)d orders were not deleted, for example %(name)s: %(why)s",
            n,
        ),
    ),
}


def tell(
    request: HttpRequest,
    told: Told,
    result: HandOver,
    records: list[Any],
    name: Callable[[Any], str],
    words: Mapping[str, str] | None = None,
) -> None:
    """Say what a list action did to the chosen ``records`` (each named by ``name``, as on its chosen page);
    ``words`` fills the messages' other placeholders (the colleague given the records)."""
    words = dict(words or {})
    changed, failed = result.moved_count, len(result.failed)
    messages.success(request, told.changed(changed) % {**words, "count": changed})
    unchanged = len(records) - changed - failed
    if unchanged:
        messages.info(request, told.unchanged(unchanged) % {**words, "count": unchanged})
    names = {str(record.pk): name(record) for record in records}
    for why, pks in _by_reason(result.failed)[:REASONS_SHOWN]:  # each reason once, the commonest first
        named = {**words, "count": len(pks), "name": names.get(pks[0], pks[0]), "why": why}
        messages.error(request, told.failed(len(pks)) % named)
    others = sum(len(pks) for _why, pks in _by_reason(result.failed)[REASONS_SHOWN:])
    if others:
        messages.error(
            request,
            ngettext(
                "%(count)d more was left as it was for other reasons: open it to see why.",
                "%(count)d more were left as they were for other reasons: open them to see why.",
                others,
            )
            % {"count": others},
        )


REASONS_SHOWN = 3


def _by_reason(failed: list[tuple[str, str, str]]) -> list[tuple[str, list[str]]]:
    """The refused records' ids grouped by why, the largest group first (then in the order first met)."""
    groups: dict[str, list[str]] = {}
    for _key, pk, why in failed:
        groups.setdefault(why, []).append(pk)
    return sorted(groups.items(), key=lambda group: -len(group[1]))
