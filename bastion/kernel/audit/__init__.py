"""The tamper-evident audit trail (DESIGN.md rule 6, security-reference §10).

``kinds`` (event types), ``canonical`` and ``merkle`` (pure, stdlib only: the stand-alone
verifier uses them too), ``models``, ``context`` (request context in contextvars), ``writer``
(``record_event``), ``signing``/``checkpoints``, ``verify``, ``export``, ``archive``.
This package's ``__init__`` imports nothing, so ``standalone`` runs without Django.
"""
