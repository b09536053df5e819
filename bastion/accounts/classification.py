"""Data classification of the account models and of the library models they build on (DESIGN.md rule 5).

Declared here rather than on the models because Django's and allauth's models are not ours, and
so that staff data sits in one place. Read through bastion.kernel.crypto.classification.
"""

from __future__ import annotations

from bastion.kernel.crypto.classification import Classification, classify

CLASSIFICATION: dict[str, Classification] = {
    "accounts.Team": classify(internal=["id", "created_at", "managers"], confidential=["name"]),
    # Who may see which record (ADR 0027): internal metadata about access, no customer data.
    "accounts.AccessReview": classify(
        internal=["id", "signed_by", "signed_at", "members", "shares", "tokens"], confidential=["note"]
    ),
    "accounts.RecordAccessDefault": classify(internal=["id", "object_type", "visibility", "updated_at", "updated_by"]),
    "accounts.RecordShare": classify(
        internal=["id", "object_type", "object_id", "user", "team", "level", "expires_at", "created_at", "created_by"]
    ),
    "accounts.Membership": classify(
        internal=["id", "user", "role", "teams", "is_active", "must_change_password", "created_at"],
    ),
    # The token's secret is never stored; its SHA-256 digest is a one-way value (confidential).
    "accounts.ApiToken": classify(
        internal=["id", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "scopes"],
        # The networks a token may be used from describe the organisation's network layout.
        confidential=["name", "digest", "allowed_networks"],
    ),
    "accounts.ThrottleWindow": classify(internal=["id", "window", "period", "hits"], confidential=["key"]),
    # Staff, not customers: names and work emails are confidential; the password is an Argon2id hash.
    "auth.User": classify(
        internal=["id", "last_login", "is_superuser", "is_staff", "is_active", "date_joined", "username"],
        confidential=["first_name", "last_name", "email", "password"],
    ),
    # ``data`` holds the TOTP secret and the recovery-code seed, sealed by BastionMFAAdapter
    # (bastion.kernel.crypto.secrets), and WebAuthn public keys.
    "mfa.Authenticator": classify(internal=["id", "user", "type", "created_at", "last_used_at"], restricted=["data"]),
}

# Restricted fields encrypted by the application rather than by an encrypted model field.
SEALED_BY_APPLICATION = {"mfa.Authenticator.data": "secrets sealed by bastion.accounts.adapter.BastionMFAAdapter"}
