"""Encryption at rest (issue 3): restricted contact fields become encrypted; emails and phones get blind indexes.

Existing values are encrypted in place: each old column is renamed ``*_plain``, the encrypted
column is added, every row is sealed under its person's data key (made in the key store, which
``bastion migrate`` migrates first), then the plain columns are dropped.
"""

from django.db import migrations, models

import bastion.kernel.crypto.fields

CONTACT_PLAIN = ["street", "city", "region", "postal_code", "country", "primary_email", "primary_phone"]
EMAIL_SCOPE = "directory.contact.email"
PHONE_SCOPE = "directory.contact.phone"


def _text(verbose_name, person, **kwargs):
    return bastion.kernel.crypto.fields.EncryptedTextField(blank=True, person=person, verbose_name=verbose_name, **kwargs)


def encrypt_existing(apps, schema_editor):
    from bastion.kernel.crypto import blind

    db = schema_editor.connection.alias
    Contact = apps.get_model("directory", "Contact")
    ContactEmail = apps.get_model("directory", "ContactEmail")
    ContactPhone = apps.get_model("directory", "ContactPhone")
    for contact in Contact.objects.using(db).iterator(chunk_size=1000):
        for name in CONTACT_PLAIN:
            setattr(contact, name, getattr(contact, f"{name}_plain"))
        contact.national_id = contact.private_notes = ""
        contact.date_of_birth = None
        contact.save(using=db, update_fields=[*CONTACT_PLAIN, "national_id", "private_notes", "date_of_birth"])
    emails = []
    for email in ContactEmail.objects.using(db).iterator(chunk_size=1000):
        email.address = email.address_plain
        email.save(using=db, update_fields=["address"])
        emails.append((email.contact_id, blind.normalize_email(email.address_plain)))
    phones = []
    for phone in ContactPhone.objects.using(db).iterator(chunk_size=1000):
        phone.number = phone.number_plain
        phone.save(using=db, update_fields=["number"])
        phones.append((phone.contact_id, blind.normalize_phone(phone.number_plain)))
    if emails:
        blind.bulk_add(EMAIL_SCOPE, emails)
    if phones:
        blind.bulk_add(PHONE_SCOPE, phones)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_companies_contacts_tags"),
        ("keystore", "0001_key_store"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="contact", name="dir_contact_email"),
        migrations.RemoveIndex(model_name="contactemail", name="dir_email_address_key"),
        migrations.RemoveConstraint(model_name="contactemail", name="dir_email_unique_per_contact"),
        *[migrations.RenameField("contact", name, f"{name}_plain") for name in CONTACT_PLAIN],
        migrations.RenameField("contactemail", "address", "address_plain"),
        migrations.RenameField("contactphone", "number", "number_plain"),
        migrations.AddField("contact", "street", _text("street address", "pk", max_length=200)),
        migrations.AddField("contact", "city", _text("city", "pk", max_length=100)),
        migrations.AddField("contact", "region", _text("state / province", "pk", max_length=100)),
        migrations.AddField("contact", "postal_code", _text("postal code", "pk", max_length=20)),
        migrations.AddField("contact", "country", _text("country", "pk", max_length=100)),
        migrations.AddField("contact", "primary_email", _text("primary email", "pk", max_length=254, editable=False)),
        migrations.AddField("contact", "primary_phone", _text("primary phone", "pk", max_length=40, editable=False)),
        migrations.AddField("contact", "national_id", _text("national ID number", "pk", max_length=64)),
        migrations.AddField("contact", "private_notes", _text("private notes", "pk")),
        migrations.AddField(
            "contact",
            "date_of_birth",
            bastion.kernel.crypto.fields.EncryptedDateField(blank=True, null=True, person="pk", verbose_name="date of birth"),
        ),
        migrations.AddField(
            "contact", "erased_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="erased at")
        ),
        migrations.AddField("contactemail", "address", _text("email address", "contact_id", max_length=254)),
        migrations.AddField("contactphone", "number", _text("phone number", "contact_id", max_length=40)),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=False),
        *[migrations.RemoveField("contact", f"{name}_plain") for name in CONTACT_PLAIN],
        migrations.RemoveField("contactemail", "address_plain"),
        migrations.RemoveField("contactemail", "address_key"),
        migrations.RemoveField("contactphone", "number_plain"),
        migrations.AlterField(
            "contactemail",
            "address",
            bastion.kernel.crypto.fields.EncryptedTextField(max_length=254, person="contact_id", verbose_name="email address"),
        ),
        migrations.AlterField(
            "contactphone",
            "number",
            bastion.kernel.crypto.fields.EncryptedTextField(max_length=40, person="contact_id", verbose_name="phone number"),
        ),
    ]
