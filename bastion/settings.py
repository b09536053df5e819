"""Bastion settings: one module, driven by the environment, failing closed.

``BASTION_ENV`` selects the mode:
- ``development`` (default): secrets are generated into the data folder on
  first start (mode 0600); cookies are not marked Secure so http://127.0.0.1 works.
- ``production``: every secret must be given explicitly; DEBUG, weak keys,
  missing hosts and insecure cookie or HTTPS settings stop the process with a
  message naming the setting.
- ``test``: as development, with fast settings for the test suite.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bastion.formats import dates as date_formats
from bastion.kernel.env import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_role_networks,
    env_str,
    generated_secret,
    read_secret,
    weak_secret_reason,
)

BASE_DIR = Path(__file__).resolve().parent.parent
BASTION_ENV = env_str("BASTION_ENV", "development")
if BASTION_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"BASTION_ENV must be development, production or test, got {BASTION_ENV!r}")
PRODUCTION = BASTION_ENV == "production"
TESTING = BASTION_ENV == "test"

DATA_DIR = Path(env_str("BASTION_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)

# --- secrets and debug -------------------------------------------------------
_explicit_key = read_secret("BASTION_SECRET_KEY")
if PRODUCTION:
    if not _explicit_key:
        raise ImproperlyConfigured("BASTION_SECRET_KEY (or BASTION_SECRET_KEY_FILE) must be set in production")
    _reason = weak_secret_reason(_explicit_key)
    if _reason:
        raise ImproperlyConfigured(f"BASTION_SECRET_KEY is too weak for production: {_reason}")
    SECRET_KEY = _explicit_key
else:
    SECRET_KEY = _explicit_key or generated_secret(DATA_DIR / "secret_key")

DEBUG = env_bool("BASTION_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("BASTION_DEBUG must be off in production")

ALLOWED_HOSTS = env_list("BASTION_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("BASTION_ALLOWED_HOSTS must list the host names Bastion is served under in production")
CSRF_TRUSTED_ORIGINS = env_list("BASTION_CSRF_TRUSTED_ORIGINS", [])

# --- applications --------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    # Before allauth, so that Bastion's account/, mfa/ and usersessions/ templates override allauth's.
    "bastion.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "bastion.kernel",
    "bastion.kernel.crypto",
    "bastion.directory",
    "bastion.imports",
    "bastion.sales",
    "bastion.commerce",
    "bastion.engagement",
    "bastion.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bastion.kernel.middleware.RequestIdMiddleware",
    "bastion.kernel.audit.context.AuditContextMiddleware",
    "bastion.kernel.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the sign-in policy middleware, which tells people why they were signed out or redirected.
    "django.contrib.messages.middleware.MessageMiddleware",
    "bastion.accounts.middleware.SessionTimeoutMiddleware",
    # Every request of a signed-in session is re-checked against the network allow-lists.
    "bastion.accounts.network_middleware.SessionNetworkMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "bastion.accounts.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bastion.urls"
WSGI_APPLICATION = "bastion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bastion" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database ----------------------------------------------------------------
_database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bastion.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("BASTION_DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Bastion understands: {exc}") from exc
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The key store (wrapped person data keys, service keys, blind-index entries) is a database of
# its own, so that a copy of the main database holds only ciphertext (docs/adr/0016).
_default_keystore = f"sqlite:///{DATA_DIR / 'keys.sqlite3'}"
if TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Tests on PostgreSQL run the key store on PostgreSQL too (a database of its own).
    _default_keystore = _database_url.rsplit("/", 1)[0] + "/" + str(DATABASES["default"]["NAME"]) + "_keys"
_keystore_url = env_str("BASTION_KEYSTORE_URL", _default_keystore)
if PRODUCTION and _keystore_url == _database_url:
    raise ImproperlyConfigured(
        "BASTION_KEYSTORE_URL must name another database than DATABASE_URL: "
        "backups of the main database must not contain the keys"
    )
try:
    DATABASES["keys"] = dj_database_url.parse(_keystore_url, conn_max_age=env_int("BASTION_DB_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"BASTION_KEYSTORE_URL is not a database URL Bastion understands: {exc}") from exc
for _alias in ("default", "keys"):
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql" and env_bool("BASTION_DB_PREPARED_STATEMENTS", True):
        # Django binds on the client and never prepares; this lets the few fixed statements sent
        # through psycopg's own cursor (kernel/batch_sql.py: the audit inbox, bulk inserts) be
        # prepared once per connection. Off for a pooler that cannot keep them (PgBouncer < 1.21
        # in transaction mode).
        DATABASES[_alias]["OPTIONS"] = {"prepare_threshold": 5}
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.sqlite3":
        # Persistent like PostgreSQL's (BASTION_DB_CONN_MAX_AGE, default 60 s): opening a SQLite
        # connection re-reads the schema and runs the pragmas, about 3 ms per database per request.
        # The key store syncs every commit (FULL): a data key is on disk before any record
        # encrypted with it can commit, even across a power loss (docs/adr/0065). The main
        # database may lose its last commits then (NORMAL, WAL's usual setting), never a key.
        _synchronous = "FULL" if _alias == "keys" else "NORMAL"
        DATABASES[_alias]["OPTIONS"] = {
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
# The key store's test database is made first: the main database's migrations may encrypt.
DATABASES["default"]["TEST"] = {**DATABASES["default"].get("TEST", {}), "DEPENDENCIES": ["keys"]}
DATABASES["keys"]["TEST"] = {**DATABASES["keys"].get("TEST", {}), "DEPENDENCIES": []}
DATABASE_ROUTERS = ["bastion.kernel.crypto.router.KeyStoreRouter"]

# --- encryption at rest ------------------------------------------------------------------
# The root key comes from a provider: "file" (default; a key file in the data folder, mode 0600,
# generated on first start outside production), "env" (BASTION_ROOT_KEY, base64), or the dotted
# path of a class implementing bastion.kernel.crypto.provider.KeyProvider (an external KMS).
BASTION_KEY_PROVIDER = env_str("BASTION_KEY_PROVIDER", "file")
BASTION_KEY_FILE = str(Path(env_str("BASTION_KEY_FILE", str(DATA_DIR / "root_keys.json"))).resolve())
if PRODUCTION and BASTION_KEY_PROVIDER == "file" and not Path(BASTION_KEY_FILE).exists():
    raise ImproperlyConfigured(
        f"The root key file {BASTION_KEY_FILE} does not exist: create it with `bastion keys init` "
        "(and back it up apart from the data), or set BASTION_KEY_PROVIDER=env with BASTION_ROOT_KEY"
    )
if PRODUCTION and BASTION_KEY_PROVIDER == "env" and not read_secret("BASTION_ROOT_KEY"):
    raise ImproperlyConfigured("BASTION_ROOT_KEY (or BASTION_ROOT_KEY_FILE) must be set with BASTION_KEY_PROVIDER=env")
# The planned number of people, which sets how much blind indexes are truncated (docs/adr/0018).
BASTION_BLIND_INDEX_POPULATION = env_int("BASTION_BLIND_INDEX_POPULATION", 1_000_000, minimum=16)

# Sales: the organisation's base currency (ISO 4217), in which deal totals are shown. Other
# currencies need an exchange rate (Sales settings); changing this later means entering new rates.
BASTION_BASE_CURRENCY = env_str("BASTION_BASE_CURRENCY", "USD").strip().upper()
if not (len(BASTION_BASE_CURRENCY) == 3 and BASTION_BASE_CURRENCY.isascii() and BASTION_BASE_CURRENCY.isalpha()):
    raise ImproperlyConfigured(f"BASTION_BASE_CURRENCY must be a three-letter ISO 4217 code, got {BASTION_BASE_CURRENCY!r}")
# The public lead form (/forms/lead/): forms accepted per client address, and the sites allowed
# to embed it in an iframe (exact origins such as https://www.example.com; none by default).
BASTION_LEAD_FORM_RATE = env_str("BASTION_LEAD_FORM_RATE", "10/hour")
BASTION_LEAD_FORM_EMBED_ORIGINS = env_list("BASTION_LEAD_FORM_EMBED_ORIGINS", [])
for _origin in BASTION_LEAD_FORM_EMBED_ORIGINS:
    if not re.fullmatch(
        r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?" if PRODUCTION else r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", _origin
    ):
        raise ImproperlyConfigured(
            f"BASTION_LEAD_FORM_EMBED_ORIGINS must list origins such as https://www.example.com, got {_origin!r}"
        )
# Sealed secrets outside encrypted fields that `bastion keys reencrypt` also moves to current keys.
BASTION_REENCRYPT_TARGETS = ["bastion.accounts.mfa_secrets.reencrypt_mfa_secrets"]

# Rate-limit counters and lockouts must be shared by every app server.
_cache_url = env_str("BASTION_CACHE_URL", "")
if _cache_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bastion_cache"}}

# --- background jobs -----------------------------------------------------------
_queue_url = env_str("BASTION_QUEUE_URL", "")
HUEY: dict[str, object] = {
    "name": "bastion",
    "immediate": env_bool("BASTION_QUEUE_IMMEDIATE", TESTING),
    "consumer": {"workers": env_int("BASTION_QUEUE_WORKERS", 2, minimum=1), "worker_type": "thread"},
}
if _queue_url:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _queue_url})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "queue.sqlite3")})

# --- CSV imports (bastion.imports) ---------------------------------------------
IMPORT_MAX_BYTES = env_int("BASTION_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("BASTION_IMPORT_MAX_ROWS", 100_000, minimum=1)
IMPORT_RETENTION_DAYS = env_int("BASTION_IMPORT_RETENTION_DAYS", 30, minimum=1)
# Finished hand-overs (their counts and the reasons records could not move) are kept this long for
# the administrators; their start and end are in the audit trail for as long as it keeps events.
HANDOVER_RETENTION_DAYS = env_int("BASTION_HANDOVER_RETENTION_DAYS", 400, minimum=1)
# Processes one contact import runs at once, each on its own share of the rows (docs/adr/0062). On
# SQLite a transaction holds the whole database, so lanes take turns: one by default there.
_ONE_LANE = TESTING or DATABASES["default"]["ENGINE"].endswith("sqlite3")
IMPORT_LANES = env_int("BASTION_IMPORT_LANES", 1 if _ONE_LANE else min(os.cpu_count() or 1, 8), minimum=1)

# --- authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = ["bastion.accounts.passwords.BastionArgon2Hasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "bastion.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "bastion.accounts.passwords.BreachedPatternValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "bastion.accounts.adapter.BastionAccountAdapter"
ACCOUNT_FORMS = {  # allauth's password forms with sentence-case labels
    "change_password": "bastion.accounts.forms_password.ChangePasswordForm",
    "reset_password": "bastion.accounts.forms_password.ResetPasswordForm",
    "reset_password_from_key": "bastion.accounts.forms_password.ResetPasswordKeyForm",
}
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# No mail to an address without an account: allauth's would invite a sign-up, and accounts are made by administrators.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# PCI DSS 8.3.4: lock out after at most 10 invalid attempts for at least 30 minutes,
# per account (key) and per client IP.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("BASTION_LOGIN_FAILED_LIMIT", "10/30m/ip,10/30m/key"),
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "bastion.accounts.adapter.BastionMFAAdapter"  # seals TOTP secrets and recovery seeds
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = "Bastion CRM"
MFA_TOTP_PERIOD = 30
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = True

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env_int("BASTION_SESSION_IDLE_MINUTES", 15, minimum=1) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("BASTION_SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
API_TOKEN_DEFAULT_DAYS = env_int("BASTION_API_TOKEN_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = 365

# --- transport security ------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    if not env_bool("BASTION_SECURE_COOKIES", True):
        raise ImproperlyConfigured("BASTION_SECURE_COOKIES cannot be turned off in production: cookies must be HTTPS-only")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-bastion_session"
    CSRF_COOKIE_NAME = "__Host-bastion_csrf"
    SECURE_SSL_REDIRECT = env_bool("BASTION_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("BASTION_HSTS_SECONDS", 31536000)
    if SECURE_HSTS_SECONDS < 31536000:
        raise ImproperlyConfigured("BASTION_HSTS_SECONDS must be at least 31536000 (one year) in production")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("BASTION_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is an irreversible commitment for the whole domain; the operator opts in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("BASTION_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
else:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "bastion_session"
    CSRF_COOKIE_NAME = "bastion_csrf"

# Content Security Policy: no inline script, nothing from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# --- internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "bastion" / "locale"]
# Our formats first, then Django's: Chinese amounts get thousands separators, and dates read
# 2026-12-01 and 2026-12-01 10:00 in both languages (bastion/formats/). The format modules win over
# these settings, which apply only where no language is active.
FORMAT_MODULE_PATH = ["bastion.formats"]
DATE_FORMAT = SHORT_DATE_FORMAT = date_formats.DATE_FORMAT
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = date_formats.DATETIME_FORMAT
TIME_FORMAT = date_formats.TIME_FORMAT
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_NAME = "bastion_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "bastion" / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- REST API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bastion.accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # TokenAndNetworkPolicy: token scopes and allow-lists (bastion/accounts/api_permissions.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "bastion.kernel.api.IsOrganisationStaff",
        "bastion.accounts.api_permissions.TokenAndNetworkPolicy",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["bastion.accounts.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("BASTION_API_RATE", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "bastion.kernel.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bastion CRM API",
    "DESCRIPTION": (
        "Companies, contacts, leads, deals and pipelines, activities, products and orders, interactions and "
        "interests, imports, and the sales set-up: what each user's role may see and do on the web pages, no more. "
        "Authenticate with `Authorization: Bearer <token>` (a personal API token, with scopes per kind of record); "
        "never put a token in a URL. Lists are keyset-paginated (`next`, `previous`, `results`); an error names each "
        "bad field in `fields`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["bastion.kernel.api.IsOrganisationStaff", "bastion.accounts.api_permissions.TokenAndNetworkPolicy"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "OAS_VERSION": "3.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EmailLabelEnum": "bastion.directory.models.EmailLabel",
        "PhoneLabelEnum": "bastion.directory.models.PhoneLabel",
        "StageKindEnum": "bastion.sales.models.StageKind",
        "ActivityKindEnum": "bastion.sales.models.ActivityKind",
        "OrderStatusEnum": "bastion.commerce.models.OrderStatus",
        "DuplicateKindEnum": ["lead", "contact"],
        "LifecycleStageEnum": "bastion.directory.models.LifecycleStage",
        "InteractionKindEnum": "bastion.engagement.models.InteractionKind",
        "IndustryEnum": "bastion.directory.models.Industry",
        "ScoredFieldEnum": "bastion.sales.models_scoring.ScoredField",
        "ScoreCategoryEnum": "bastion.sales.models_scoring.ScoreCategory",
        "ScoringOperatorEnum": "bastion.sales.models_scoring.Operator",
    },
}

# --- audit trail (bastion/kernel/audit, docs/adr/0014-0015) -------------------------------
# The client IP is REMOTE_ADDR unless the request comes from one of these proxies (IPs or
# networks) and BASTION_CLIENT_IP_HEADER names the header they set (e.g. X-Forwarded-For).
AUDIT_TRUSTED_PROXIES = env_list("BASTION_TRUSTED_PROXIES", [])
AUDIT_CLIENT_IP_HEADER = env_str("BASTION_CLIENT_IP_HEADER", "")
if AUDIT_CLIENT_IP_HEADER and not AUDIT_TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "BASTION_CLIENT_IP_HEADER needs BASTION_TRUSTED_PROXIES: only a trusted proxy's header is believed"
    )

# --- network allow-lists (bastion/kernel/access/network.py) ---------------------------------
# Sign-in and API only from these networks (comma-separated CIDRs; empty = anywhere), and per
# role: "administrator=10.0.0.0/8;security_officer=10.1.0.0/16". Checked against the client IP above.
ACCESS_ALLOWED_NETWORKS = env_networks("BASTION_ALLOWED_NETWORKS")
# The role names of bastion/kernel/access/roles.py (a test keeps the two lists equal).
_ROLE_NAMES = (
    "administrator security_officer sales_manager sales_rep service_manager service_agent "
    "marketing_manager marketer executive read_only"
)
ACCESS_ROLE_NETWORKS = env_role_networks("BASTION_ROLE_NETWORKS", _ROLE_NAMES.split())
# Members with no sign-in and no API-token use for this many days are disabled every night (PCI DSS 8.2.6).
ACCESS_INACTIVE_DAYS = env_int("BASTION_INACTIVE_DAYS", 90, minimum=1)

# --- rate limits on sensitive reads (bastion/accounts/limits.py) and step-up (bastion/accounts/stepup.py) ---
# "<count>/<s|min|hour|day>" per user and per client IP; a refusal is a 429 and an access.denied event.
ACCESS_RATE_LIMITS = {
    "search": {"user": env_str("BASTION_SEARCH_RATE_USER", "120/min"), "ip": env_str("BASTION_SEARCH_RATE_IP", "600/min")},
    "reveal": {"user": env_str("BASTION_REVEAL_RATE_USER", "20/hour"), "ip": env_str("BASTION_REVEAL_RATE_IP", "60/hour")},
    "export": {"user": env_str("BASTION_EXPORT_RATE_USER", "10/hour"), "ip": env_str("BASTION_EXPORT_RATE_IP", "30/hour")},
}
for _kind, _limits in ACCESS_RATE_LIMITS.items():
    for _scope, _rate in _limits.items():
        if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate.strip().lower()):
            _name = f"BASTION_{_kind.upper()}_RATE_{_scope.upper()}"
            raise ImproperlyConfigured(f"{_name} must look like 20/hour (a count per s, min, hour or day), got {_rate!r}")
# Exporting, revealing and changing roles, security settings or keys need a second factor this recent.
STEP_UP_SECONDS = env_int("BASTION_STEP_UP_SECONDS", 300, minimum=30)

# PCI DSS 10.5.1: at least 12 months.
AUDIT_RETENTION_DAYS = env_int("BASTION_AUDIT_RETENTION_DAYS", 400, minimum=366)
AUDIT_CHECKPOINT_MINUTES = env_int("BASTION_AUDIT_CHECKPOINT_MINUTES", 10, minimum=1)
# Recorded events wait in the inbox until sealed into the chain (docs/adr/0024): normally less
# than a second; `bastion auditlog verify` fails when one has waited longer than this.
AUDIT_MAX_UNSEALED_SECONDS = env_int("BASTION_AUDIT_MAX_UNSEALED_SECONDS", 300, minimum=1)
# Who seals: "inline", each process after its own commits; "process", one dedicated process
# (`bastion auditlog seal --follow`) for all. `bastion serve` starts that process and sets
# "process" for its web and job processes unless this says "inline" (docs/adr/0061).
AUDIT_SEALER = env_str("BASTION_AUDIT_SEALER", "inline")
if AUDIT_SEALER not in ("inline", "process"):
    raise ImproperlyConfigured(f"BASTION_AUDIT_SEALER must be inline or process, got {AUDIT_SEALER!r}")
# `bastion auditlog verify --workers N` checks a log of at least this many events in N processes.
AUDIT_VERIFY_PARALLEL_FROM = env_int("BASTION_AUDIT_VERIFY_PARALLEL_FROM", 100_000, minimum=0)
# PostgreSQL: the role the application connects as, if not the owner that runs migrations;
# `bastion auditlog harden` (run as the owner) takes UPDATE/DELETE/TRUNCATE on audit rows from it.
AUDIT_APP_DB_ROLE = env_str("BASTION_AUDIT_APP_DB_ROLE", "")
AUDIT_ORIGIN = env_str("BASTION_AUDIT_ORIGIN", "bastion-audit")
AUDIT_ARCHIVE_DIR = Path(env_str("BASTION_AUDIT_ARCHIVE_DIR", str(DATA_DIR / "audit-archive"))).resolve()
# The Ed25519 key that signs checkpoints (PEM, PKCS#8); separate from every data key.
AUDIT_SIGNING_KEY = read_secret("BASTION_AUDIT_SIGNING_KEY")
# Without it, a key is generated on first use in the data folder (mode 0600); production should
# keep it elsewhere (`bastion auditlog keygen` > a file mounted read-only, BASTION_AUDIT_SIGNING_KEY_FILE).
AUDIT_SIGNING_KEY_PATH = DATA_DIR / "audit_signing_key.pem"
# Ship new events to a SIEM: udp://host:514, tcp://host:601 or tls://host:6514 (RFC 5424).
AUDIT_SYSLOG_URL = env_str("BASTION_AUDIT_SYSLOG_URL", "")

# --- email and logging --------------------------------------------------------------
EMAIL_BACKEND = env_str("BASTION_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("BASTION_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("BASTION_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("BASTION_SMTP_USER", "")
# Read from the environment or a file, never stored in the database.
EMAIL_HOST_PASSWORD = read_secret("BASTION_SMTP_PASSWORD") or ""
DEFAULT_FROM_EMAIL = env_str("BASTION_FROM_EMAIL", "bastion@localhost")
# The address staff open Bastion at, for links in emails (task reminders).
BASTION_BASE_URL = env_str("BASTION_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("BASTION_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Given a handler here, huey's run_huey adds none of its own: each job line is logged once.
        "huey": {"handlers": ["console"], "propagate": False},
    },
}
