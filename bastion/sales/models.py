"""Pipelines, their stages, deals, the history of each deal's stage, exchange rates, and leads.

Money: amounts are ``Decimal`` in Python and in the API, never ``float``. A deal keeps its
amount in its own currency (``amount``, two decimal places) and, for sorting and totals, the
same amount converted to the organisation's base currency in hundredths (``amount_base_cents``,
an integer): integers add up exactly on SQLite and PostgreSQL alike, where SQLite would sum
decimals as floating point (docs/adr/0033). The actions keep the two in step, also when an
exchange rate changes.

Every sort order the deal list offers has a ``(sort column, id)`` index, so keyset pagination
seeks instead of scanning. Writes go through bastion.sales.actions; reads through
``objects.visible_to(user)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Company, Contact, Industry, KeyField, LifecycleStage
from bastion.directory.names import display_name, search_key
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Owned, Through, Vocabulary
from bastion.kernel.crypto.classification import classify
from bastion.kernel.crypto.fields import EncryptedTextField
from bastion.kernel.ids import new_id

CENT = Decimal("0.01")


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Pipeline(models.Model):
    """A sales process (e.g. "New business", "Renewals") with its own ordered stages; set up by administrators."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager["Pipeline"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "name", "position", "is_default", "created_at", "updated_at"])

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sales_one_default_pipeline"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One step of a pipeline, in order, with the probability a deal there is won by default.

    ``kind`` says whether a deal in this stage is still open, won or lost; won and lost stages
    close the deal (``Deal.closed_at``).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline"))
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager["Stage"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "pipeline", "name", "position", "probability", "kind", "created_at"])

    class Meta:
        ordering = ["pipeline", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="sales_stage_probability_max_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class ExchangeRate(models.Model):
    """How many units of the base currency (``settings.BASTION_BASE_CURRENCY``) one unit of ``currency`` is worth."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(_("rate to the base currency"), max_digits=18, decimal_places=8)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager["ExchangeRate"]()
    record_access = Vocabulary()
    data_classification = classify(internal=["id", "currency", "rate", "updated_at"])

    class Meta:
        ordering = ["currency"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="sales_rate_positive")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {settings.BASTION_BASE_CURRENCY}"


class Deal(models.Model):
    """A possible sale to a company or person, moving through the stages of one pipeline.

    ``probability`` starts as the stage's default and follows it on every stage change; a
    person may set another value. ``closed_at`` is set when the deal enters a won or lost stage
    and cleared when it is reopened.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_key = KeyField(max_length=200, editable=False, default="")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"), db_index=False)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3)
    amount_base_cents = models.BigIntegerField(_("amount in the base currency (hundredths)"), default=0, editable=False)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    close_sort = models.DateField(editable=False, default="9999-12-31")  # expected close date, NOT NULL for sorting
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True, default="")
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals", verbose_name=_("contact")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Deal"]()
    record_access = Owned(owner="owner", team="team")
    data_classification = classify(
        internal=[
            "id", "pipeline", "stage", "probability", "closed_at", "company", "contact", "owner", "team",
            "created_at", "updated_at", "created_by", "updated_by", "name_key", "close_sort",
        ],
        confidential=["name", "amount", "currency", "amount_base_cents", "expected_close_date", "lost_reason", "notes"],
    )  # fmt: skip

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["name_key", "id"], name="sales_deal_name"),
            models.Index(fields=["amount_base_cents", "id"], name="sales_deal_amount"),
            models.Index(fields=["close_sort", "id"], name="sales_deal_close"),
            models.Index(fields=["created_at", "id"], name="sales_deal_created"),
            models.Index(fields=["updated_at", "id"], name="sales_deal_updated"),
            models.Index(fields=["stage", "updated_at", "id"], name="sales_deal_stage_updated"),
            # Covers the board's and the list's sums per stage, the record-access condition included
            # (owner, team, and the id for shares): no table read (docs/benchmarks.md).
            models.Index(
                fields=["pipeline", "stage", "owner", "team", "amount_base_cents", "probability", "id"],
                name="sales_deal_sums_v2",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="sales_deal_probability_max_100"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = search_key(self.name)
        self.close_sort = self.expected_close_date or "9999-12-31"
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key", "close_sort"}
        super().save(*args, **kwargs)

    @property
    def amount_base(self) -> Decimal:
        """The amount in the base currency, as a Decimal."""
        return (Decimal(self.amount_base_cents) * CENT).quantize(CENT)

    @property
    def weighted_base(self) -> Decimal:
        """The amount in the base currency times the probability."""
        return (Decimal(self.amount_base_cents * self.probability) / 10000).quantize(CENT)


class DealStageChange(models.Model):
    """One move of a deal from a stage to another (or its first stage), with who moved it and when."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.SET_NULL, null=True, related_name="+")
    # Names kept as they were: a stage renamed or deleted later does not rewrite the history.
    from_name = models.CharField(max_length=100, blank=True, default="")
    to_name = models.CharField(max_length=100)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager["DealStageChange"]()
    record_access = Through("deal")
    data_classification = classify(
        internal=["id", "deal", "from_stage", "to_stage", "from_name", "to_name", "changed_by", "changed_at"]
    )

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [models.Index(fields=["deal", "changed_at"], name="sales_stagechange_deal")]

    def __str__(self) -> str:
        return f"{self.from_name or '—'} → {self.to_name}"


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Import")


# Blind-index scopes (bastion.kernel.crypto.blind) of a lead's normalised email and phone.
LEAD_EMAIL_SCOPE = "sales.lead.email"
LEAD_PHONE_SCOPE = "sales.lead.phone"


class Lead(models.Model):
    """A person who may become a customer, before anyone has qualified them: a lead is a person.

    Email and phone are restricted: encrypted under the lead's own data key and found through
    blind indexes, like a contact's. ``consent_text`` and ``consent_given_at`` keep exactly what
    the person agreed to and when (the public form's checkbox). Converting a lead creates a
    contact, maybe a company and a deal, and links them here (``converted_*``); the lead stays,
    with status "converted", as the record of where the customer came from.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    given_name = models.CharField(_("given name"), max_length=100, blank=True, default="")
    family_name = models.CharField(_("family name"), max_length=100, blank=True, default="")
    company_name = models.CharField(_("company"), max_length=200, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    # Coarse location and sector, for territory routing (ADR 0045): a country or region, never an address.
    country = models.CharField(_("country or region"), max_length=100, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True, default="")
    email = EncryptedTextField(_("email address"), person="pk", max_length=254, blank=True)
    phone = EncryptedTextField(_("phone number"), person="pk", max_length=40, blank=True)
    message = EncryptedTextField(_("message"), person="pk", blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL)
    consent_text = models.TextField(_("consent text"), blank=True, default="")
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    fit_score = models.SmallIntegerField(_("fit"), default=0, editable=False)
    engagement_score = models.SmallIntegerField(_("engagement"), default=0, editable=False)
    score = models.SmallIntegerField(_("score"), default=0, editable=False)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD, editable=False
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    converted_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_leads", editable=False
    )
    converted_company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_leads", editable=False
    )
    converted_deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_leads", editable=False
    )
    sort_name = KeyField(max_length=201, editable=False, default="")
    name_search = KeyField(max_length=201, editable=False, default="")
    company_key = KeyField(max_length=200, editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Lead"]()
    record_access = Owned(owner="owner", team="team")
    data_classification = classify(
        internal=[
            "id", "preferred_language", "status", "source", "consent_given_at", "owner", "team", "converted_at",
            "fit_score", "engagement_score", "score", "lifecycle_stage",
            "converted_contact", "converted_company", "converted_deal", "created_at", "updated_at", "created_by",
            "updated_by", "consent_text",
        ],
        confidential=[
            "given_name", "family_name", "company_name", "job_title", "country", "industry", "sort_name", "name_search",
            "company_key",
        ],
        restricted=["email", "phone", "message"],
    )  # fmt: skip

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["sort_name", "id"], name="sales_lead_name"),
            models.Index(fields=["created_at", "id"], name="sales_lead_created"),
            models.Index(fields=["score", "id"], name="sales_lead_score"),
            models.Index(fields=["updated_at", "id"], name="sales_lead_updated"),
            # Duplicates (same name at the same company), and a name search's given-name-first
            # alternative, found and sorted from the index alone (kernel.pagination._page_keys).
            models.Index(fields=["name_search", "company_key", "sort_name", "id"], name="sales_lead_given_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = search_key(f"{self.family_name} {self.given_name}")
        self.name_search = search_key(self.display_name)
        self.company_key = search_key(self.company_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "sort_name", "name_search", "company_key"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return display_name(self.given_name, self.family_name, language=self.preferred_language)

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED


# Activities live in their own module (this one is long enough); importing them registers the models.
from bastion.sales.models_activities import Activity, ActivityKind  # noqa: E402
from bastion.sales.models_handover import HandOverJob  # noqa: E402
from bastion.sales.models_lifecycle import DealLine, LifecycleChange, LifecyclePolicy  # noqa: E402
from bastion.sales.models_routing import LeadRouting, TerritoryRule  # noqa: E402
from bastion.sales.models_scoring import ScoringRule  # noqa: E402

__all__ = [
    "Activity", "ActivityKind", "DealLine", "HandOverJob", "LeadRouting", "LifecycleChange", "LifecyclePolicy", "ScoringRule",
    "TerritoryRule",
]  # fmt: skip
