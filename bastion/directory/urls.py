"""HTML routes of the directory. Records are addressed by UUID."""

from django.urls import path

from bastion.directory import views, views_companies, views_contacts, views_export, views_history, views_reveal, views_sharing

app_name = "directory"
urlpatterns = [
    path("companies/", views_companies.company_list, name="company-list"),
    path("companies/export.csv", views_export.company_export, name="company-export"),
    path("companies/new/", views_companies.company_create, name="company-create"),
    path(
        "companies/<uuid:company_id>/",
        views_history.audited_detail(views_companies.company_detail, "directory.company", "company_id"),
        name="company-detail",
    ),
    path("companies/<uuid:company_id>/history/", views_history.company_history, name="company-history"),
    path("companies/<uuid:company_id>/edit/", views_companies.company_edit, name="company-edit"),
    path("companies/<uuid:company_id>/delete/", views_companies.company_delete, name="company-delete"),
    path("companies/suggest/", views_contacts.company_suggest, name="company-suggest"),
    path("contacts/", views_contacts.contact_list, name="contact-list"),
    path("contacts/export.csv", views_export.contact_export, name="contact-export"),
    path("contacts/new/", views_contacts.contact_create, name="contact-create"),
    path(
        "contacts/<uuid:contact_id>/",
        views_history.audited_detail(views_contacts.contact_detail, "directory.contact", "contact_id"),
        name="contact-detail",
    ),
    path("contacts/<uuid:contact_id>/history/", views_history.contact_history, name="contact-history"),
    path("contacts/<uuid:contact_id>/edit/", views_contacts.contact_edit, name="contact-edit"),
    path("contacts/<uuid:contact_id>/delete/", views_contacts.contact_delete, name="contact-delete"),
    path("contacts/<uuid:contact_id>/erase/", views_contacts.contact_erase, name="contact-erase"),
    path("contacts/<uuid:contact_id>/reveal/<slug:field>/", views_reveal.contact_reveal, name="contact-reveal"),
    path("search/", views.search, name="search"),
]
# Sharing one record (ADR 0027): the same two pages for every kind of record.
for kind, plural in (("company", "companies"), ("contact", "contacts")):
    urlpatterns += [
        path(f"{plural}/<uuid:record_id>/sharing/", views_sharing.share_page, {"kind": kind}, name=f"{kind}-sharing"),
        path(
            f"{plural}/<uuid:record_id>/sharing/<uuid:share_id>/remove/",
            views_sharing.share_remove,
            {"kind": kind},
            name=f"{kind}-share-remove",
        ),
    ]
