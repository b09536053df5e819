"""Companies (accounts), contacts (people), their emails and phones, and shared tags.

Every sort order the lists offer has a ``(sort column, id)`` index, so keyset pagination
(bastion.kernel.pagination) seeks instead of scanning. Sort columns are NOT NULL with ``''``
defaults. Name searches use the lower-case ``*_key``/``sort_name``/``name_search`` columns,
which ``save()`` derives from the names (see bastion.directory.names). Those columns are
:class:`KeyField`s, compared byte by byte on both databases, so a prefix search is a range
on the same index that serves the sort order.

Restricted fields (DESIGN.md rule 5; each model's ``data_classification``) are encrypted at
rest under the person's data key (bastion.kernel.crypto.fields): a contact's emails, phones,
postal address, date of birth, national ID number and private notes. They cannot be sorted or
filtered in SQL; emails and phones are found through blind indexes (selectors.py).

Writes go through bastion.directory.actions; reads through ``objects.visible_to(user)``.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.addresses import address_lines
from bastion.directory.names import display_name, search_key
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Owned, Through, Vocabulary
from bastion.kernel.crypto import blind
from bastion.kernel.crypto.classification import classify
from bastion.kernel.crypto.fields import EncryptedDateField, EncryptedTextField
from bastion.kernel.ids import new_id


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    EDUCATION = "education", _("Education")
    ENERGY = "energy", _("Energy and utilities")
    FINANCE = "finance", _("Finance and insurance")
    GOVERNMENT = "government", _("Government and public sector")
    HEALTHCARE = "healthcare", _("Healthcare")
    HOSPITALITY = "hospitality", _("Hospitality and travel")
    LOGISTICS = "logistics", _("Transport and logistics")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media and entertainment")
    NONPROFIT = "nonprofit", _("Non-profit")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional services")
    REAL_ESTATE = "real_estate", _("Real estate")
    RETAIL = "retail", _("Retail and e-commerce")
    TECHNOLOGY = "technology", _("Technology")
    TELECOMMUNICATIONS = "telecommunications", _("Telecommunications")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    """Head count bands (the field is labelled "employees")."""

    MICRO = "1-10", _("1–10")
    SMALL = "11-50", _("11–50")
    MEDIUM = "51-200", _("51–200")
    LARGE = "201-1000", _("201–1,000")
    ENTERPRISE = "1000+", _("1,000+")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE_SIMPLIFIED = "zh-hans", _("Simplified Chinese")


class LifecycleStage(models.TextChoices):
    """Where a person stands with the organisation (issue 6 item 6; ADR 0044). Ordered: ``RANK`` compares them."""

    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    MARKETING_QUALIFIED = "marketing_qualified", _("Marketing-qualified")
    SALES_QUALIFIED = "sales_qualified", _("Sales-qualified")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    ADVOCATE = "advocate", _("Advocate")
    CHURNED = "churned", _("Churned")


LIFECYCLE_RANK = {stage: rank for rank, stage in enumerate(LifecycleStage.values)}


class EmailLabel(models.TextChoices):
    WORK = "work", _("Work")
    PERSONAL = "personal", _("Personal")
    OTHER = "other", _("Other")


class PhoneLabel(models.TextChoices):
    WORK = "work", _("Work")
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    OTHER = "other", _("Other")


class KeyField(models.CharField):
    """A normalised, lower-case key compared byte by byte: the ``C`` collation on PostgreSQL,
    SQLite's default ``BINARY`` elsewhere.

    Why (DESIGN.md: write down odd choices): with a byte order, ``key >= 'wan' AND key < 'wao'``
    is exactly "starts with wan" and one btree index serves both that prefix search and the
    list's ``ORDER BY key, id``. Under a linguistic collation (PostgreSQL's default) neither
    holds, a prefix search needs a second ``varchar_pattern_ops`` index, the planner has to
    choose between the two, and the two databases sort differently. Keys are already
    case-folded and accent-free, so a byte order is also a sensible order for people.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class Tag(models.Model):
    """A free label (e.g. "VIP", "渠道伙伴") shared by companies and contacts; unique ignoring case."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=50)
    key = KeyField(max_length=50, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager["Tag"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "key", "created_at"], confidential=["name"])

    class Meta:
        ordering = ["key"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = search_key(self.name)
        super().save(*args, **kwargs)


class Record(models.Model):
    """Fields every customer record carries: a UUID, an owner and a team, who created and last changed it, and when.

    Who may read and change it follows the owner, the team, the managers of either, shares and
    the organisation's default for the object type (``record_access``; ADR 0027).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    record_access = Owned(owner="owner", team="team")

    class Meta:
        abstract = True

    street: Any
    city: Any
    region: Any
    postal_code: Any
    country: Any

    @property
    def address_lines(self) -> list[str]:
        """The postal address as display lines in its country's order, skipping empty parts (directory.addresses)."""
        return address_lines(self.street, self.city, self.region, self.postal_code, self.country)


RECORD_META = ["id", "owner", "team", "tags", "created_at", "updated_at", "created_by", "updated_by"]
ADDRESS = ["street", "city", "region", "postal_code", "country"]


class Company(Record):
    """An organisation the business deals with (an "account"): customer, prospect or partner."""

    name = models.CharField(_("name"), max_length=200)
    name_key = KeyField(max_length=200, editable=False, default="")
    domain = KeyField(_("web domain"), max_length=253, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True, default="")
    size = models.CharField(_("employees"), max_length=16, choices=CompanySize.choices, blank=True, default="")
    street = models.CharField(_("street address"), max_length=200, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    region = models.CharField(_("state / province"), max_length=100, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    country = models.CharField(_("country"), max_length=100, blank=True, default="")

    objects = ScopedManager["Company"]()
    # A business address is not personal data: confidential, like the rest of the company record.
    data_classification = classify(
        internal=[*RECORD_META, "name_key", "industry", "size"],
        confidential=["name", "domain", "notes", *ADDRESS],
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["name_key", "id"], name="dir_company_name"),
            models.Index(fields=["domain", "id"], name="dir_company_domain"),
            models.Index(fields=["created_at", "id"], name="dir_company_created"),
            models.Index(fields=["updated_at", "id"], name="dir_company_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = search_key(self.name)
        _add_derived(kwargs, {"name"}, ["name_key"])
        super().save(*args, **kwargs)


class Contact(Record):
    """A person: usually someone at a company, with emails, phones and a preferred language.

    ``primary_email`` and ``primary_phone`` copy the primary ContactEmail / ContactPhone, encrypted,
    so a list shows them without a query per row; the actions keep them in step. Names are
    confidential, not restricted: they stay searchable in plain ``sort_name``/``name_search``
    (docs/adr/0019). ``erased_at`` is set when the person's data key was crypto-shredded: from
    then on every restricted field reads as "erased".
    """

    given_name = models.CharField(_("given name"), max_length=100, blank=True, default="")
    family_name = models.CharField(_("family name"), max_length=100, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("company"),
        db_index=False,  # served by the (company, sort_name, id) index
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    street = EncryptedTextField(_("street address"), person="pk", max_length=200, blank=True)
    city = EncryptedTextField(_("city"), person="pk", max_length=100, blank=True)
    region = EncryptedTextField(_("state / province"), person="pk", max_length=100, blank=True)
    postal_code = EncryptedTextField(_("postal code"), person="pk", max_length=20, blank=True)
    country = EncryptedTextField(_("country"), person="pk", max_length=100, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), person="pk", null=True, blank=True)
    national_id = EncryptedTextField(_("national ID number"), person="pk", max_length=64, blank=True)
    private_notes = EncryptedTextField(_("private notes"), person="pk", blank=True)
    primary_email = EncryptedTextField(_("primary email"), person="pk", max_length=254, blank=True, editable=False)
    primary_phone = EncryptedTextField(_("primary phone"), person="pk", max_length=40, blank=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD, editable=False
    )
    sort_name = KeyField(max_length=201, editable=False, default="")
    name_search = KeyField(max_length=201, editable=False, default="")

    objects = ScopedManager["Contact"]()
    data_classification = classify(
        internal=[*RECORD_META, "company", "preferred_language", "erased_at", "lifecycle_stage"],
        confidential=["given_name", "family_name", "job_title", "notes", "sort_name", "name_search"],
        restricted=[*ADDRESS, "date_of_birth", "national_id", "private_notes", "primary_email", "primary_phone"],
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["sort_name", "id"], name="dir_contact_name"),
            models.Index(fields=["created_at", "id"], name="dir_contact_created"),
            models.Index(fields=["updated_at", "id"], name="dir_contact_updated"),
            models.Index(fields=["company", "sort_name", "id"], name="dir_contact_company_name"),
            # A name search's given-name-first alternative, found and sorted from the index alone (pagination._page_keys).
            models.Index(fields=["name_search", "sort_name", "id"], name="dir_contact_given_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_keys()
        _add_derived(kwargs, {"given_name", "family_name", "preferred_language"}, ["sort_name", "name_search"])
        super().save(*args, **kwargs)

    def derive_keys(self) -> None:
        """Set the plain sort and search keys from the names (``save`` does; bulk inserts call it themselves)."""
        self.sort_name = search_key(f"{self.family_name} {self.given_name}")
        self.name_search = search_key(self.display_name)

    @property
    def display_name(self) -> str:
        return display_name(self.given_name, self.family_name, language=self.preferred_language)

    @property
    def is_erased(self) -> bool:
        """Whether the person's data key was crypto-shredded (restricted fields read as "erased")."""
        return self.erased_at is not None


# Blind-index scopes (bastion.kernel.crypto.blind) of a contact's normalised emails and phones.
EMAIL_SCOPE = "directory.contact.email"
PHONE_SCOPE = "directory.contact.phone"
# What each index is made from, so that `bastion keys rotate-index` can rebuild it under a new key.
blind.register_source(EMAIL_SCOPE, "directory.ContactEmail", "address", blind.normalize_email)
blind.register_source(PHONE_SCOPE, "directory.ContactPhone", "number", blind.normalize_phone)


class ContactEmail(models.Model):
    """One email address of a contact, encrypted under the contact's data key.

    Found by the blind index of its normalised form (bastion.directory.selectors.contact_ids_with_email).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = EncryptedTextField(_("email address"), person="contact_id", max_length=254)
    label = models.CharField(_("label"), max_length=16, choices=EmailLabel.choices, default=EmailLabel.WORK)
    is_primary = models.BooleanField(_("primary"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager["ContactEmail"]()
    record_access = Through("contact")
    data_classification = classify(internal=["id", "contact", "label", "is_primary", "position"], restricted=["address"])

    class Meta:
        ordering = ["position"]
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(is_primary=True), name="dir_email_one_primary_per_contact"
            ),
        ]

    def __str__(self) -> str:
        return str(self.address)


class ContactPhone(models.Model):
    """One phone number of a contact, kept as entered (national or international format), encrypted."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = EncryptedTextField(_("phone number"), person="contact_id", max_length=40)
    label = models.CharField(_("label"), max_length=16, choices=PhoneLabel.choices, default=PhoneLabel.WORK)
    is_primary = models.BooleanField(_("primary"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager["ContactPhone"]()
    record_access = Through("contact")
    data_classification = classify(internal=["id", "contact", "label", "is_primary", "position"], restricted=["number"])

    class Meta:
        ordering = ["position"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(is_primary=True), name="dir_phone_one_primary_per_contact"
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)

    @property
    def tel_uri(self) -> str:
        """``tel:`` link for the number without its extension ("+86 21 6123 4567 转 8" → ``tel:+862161234567``)."""
        main = re.split(r"(?i)\s*(?:ext\.?|x|#|转|分机)\s*\d", str(self.number), maxsplit=1)[0]
        return "tel:" + re.sub(r"[^\d+]", "", main)


def _add_derived(save_kwargs: dict[str, Any], sources: set[str], derived: list[str]) -> None:
    """When ``save(update_fields=...)`` touches a source field, also save the fields derived from it."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and sources & set(update_fields):
        save_kwargs["update_fields"] = {*update_fields, *derived}
