"""Encryption at rest: key provider, keyring, envelope encryption, blind indexes, encrypted fields.

- provider.py: where the root key comes from (file, environment, or an external KMS).
- keyring.py: per-person data keys and service keys, wrapped by the root key, in the key store.
- envelope.py: AES-256-GCM sealing of field values bound to model, field, record and key version.
- blind.py: truncated HMAC blind indexes for exact search, sized by CipherSweet's planner rule.
- fields.py: encrypted model fields, decrypted only when read.
- classification.py: the data classification of every field (DESIGN.md rule 5).
- secrets.py: secrets the application keeps for itself (TOTP seeds).
- rotation.py: ``bastion keys status | rotate | reencrypt``.
- lifecycle.py: ``bastion keys retire | sweep`` (old data-key versions, orphan keys); tasks.py runs the sweep daily.
- reindex.py: ``bastion keys rotate-index`` (a new blind-index key, rebuilt online).
- keyevents.py: the audit events of key changes, committed before the key store.

Knows nothing of CRM models: a model says which attribute names its person (``person=``).
See docs/adr/0016 to 0019 and 0021 to 0023.
"""
