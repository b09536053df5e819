"""HTML routes of the directory. Records are addressed by UUID."""

from django.urls import path

from bastion.directory import views, views_companies, views_contacts, views_history

app_name = "directory"
urlpatterns = [
    path("companies/", views_companies.company_list, name="company-list"),
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
    path("search/", views.search, name="search"),
]
