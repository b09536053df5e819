"""HTML routes of the directory. Records are addressed by UUID."""

from django.urls import path

from bastion.directory import views, views_companies, views_contacts

app_name = "directory"
urlpatterns = [
    path("companies/", views_companies.company_list, name="company-list"),
    path("companies/new/", views_companies.company_create, name="company-create"),
    path("companies/<uuid:company_id>/", views_companies.company_detail, name="company-detail"),
    path("companies/<uuid:company_id>/edit/", views_companies.company_edit, name="company-edit"),
    path("companies/<uuid:company_id>/delete/", views_companies.company_delete, name="company-delete"),
    path("companies/suggest/", views_contacts.company_suggest, name="company-suggest"),
    path("contacts/", views_contacts.contact_list, name="contact-list"),
    path("contacts/new/", views_contacts.contact_create, name="contact-create"),
    path("contacts/<uuid:contact_id>/", views_contacts.contact_detail, name="contact-detail"),
    path("contacts/<uuid:contact_id>/edit/", views_contacts.contact_edit, name="contact-edit"),
    path("contacts/<uuid:contact_id>/delete/", views_contacts.contact_delete, name="contact-delete"),
    path("contacts/<uuid:contact_id>/erase/", views_contacts.contact_erase, name="contact-erase"),
    path("search/", views.search, name="search"),
]
