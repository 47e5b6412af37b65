"""Jiceng settings, read from the environment (see docs/configuration.md).

JICENG_ENV selects the profile:
- dev (default): DEBUG on, a built-in development secret and field key.
- demo: what `make demo` serves; DEBUG off, plain HTTP on localhost.
- production: every secret must be given; HTTPS-only cookies and HSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from jiceng.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
JICENG_ENV = env_choice("JICENG_ENV", "dev", ("dev", "demo", "production"))
PRODUCTION = JICENG_ENV == "production"
VAR_DIR = Path(env_str("JICENG_VAR_DIR", str(Path.cwd() / "var")))

# Well-known values for dev and demo only; production refuses to start without its own.
_DEV_SECRET = "jiceng-dev-secret-key-not-for-production-use-0123456789"
_DEV_FIELD_KEY = "jiceng-dev-field-key-not-for-production-use-0123456789"

DEBUG = env_bool("DEBUG", JICENG_ENV == "dev")
SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else _DEV_SECRET, required=PRODUCTION)
JICENG_FIELD_KEY = env_str(
    "JICENG_FIELD_KEY", None if PRODUCTION else _DEV_FIELD_KEY, required=PRODUCTION
)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or JICENG_FIELD_KEY == _DEV_FIELD_KEY):
    raise ImproperlyConfigured("Production must not use the development SECRET_KEY or field key.")
if len(JICENG_FIELD_KEY) < 32:
    raise ImproperlyConfigured("JICENG_FIELD_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names the site is served under.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_htmx",
    # Listed so the API docs page serves its vendored Swagger UI, not a CDN copy
    # that an intranet deployment cannot reach (ninja falls back to the CDN otherwise).
    "ninja",
    "auditlog",
    "axes",
    "jiceng.core",
    "jiceng.orgs",
    "jiceng.people",
    "jiceng.accounts",
    "jiceng.api",
    "jiceng.imports",
    "jiceng.reporting",
    "jiceng.worklists",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiceng.core.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiceng.core.context.navigation",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database: SQLite under var/ unless DATABASE_URL says otherwise.
_default_db = f"sqlite:///{VAR_DIR / 'jiceng.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work during a write; IMMEDIATE avoids "database is locked"
    # when a read transaction later wants to write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A city's work dashboard counts every assignment below it: its figures may be
# served from the cache for this many seconds (the page says when they were
# counted); 0 counts on every view.
WORKLISTS_DASHBOARD_MAX_AGE = env_int("WORKLISTS_DASHBOARD_MAX_AGE", 60)

# --- Accounts, passwords, sessions, lockout.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "jiceng.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiceng.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle sessions expire; active ones are renewed at most once per SESSION_REFRESH_SECONDS
# (jiceng.core.middleware.SessionRefreshMiddleware) rather than saved on every request.
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Security headers; HTTPS-only in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if PRODUCTION else ["security.W004", "security.W008"]
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is a choice, not a default

# --- Language and time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A filter's blank choice (django-filter says "---------"); see core.filters.ANY.
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# jiceng/ is a package, not an app: its static/ folder must be listed to be found.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("JICENG_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("JICENG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# Imports (docs/import-export.md): largest accepted file, background runner, throttle.
JICENG_IMPORT_MAX_BYTES = env_int("JICENG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
JICENG_JOB_RUNNER = env_str("JICENG_JOB_RUNNER", "")
JICENG_IMPORT_THROTTLE_SECONDS = float(env_str("JICENG_IMPORT_THROTTLE_SECONDS", "0"))
# Processes that clean and encrypt rows of a big import; 0 or 1: none (default: one per core).
JICENG_IMPORT_WORKERS = env_int("JICENG_IMPORT_WORKERS", os.cpu_count() or 1)
# Map tiles for unit boundaries, e.g. an intranet https://tiles.example/{z}/{x}/{y}.png;
# empty (the default) draws boundaries on a blank map with a scale bar.
JICENG_MAP_TILES = env_str("JICENG_MAP_TILES", "")

# --- 双报到: member registrations renew every "year" or every "half" year.
JICENG_REPORTING_PERIOD = env_choice("JICENG_REPORTING_PERIOD", "year", ("year", "half"))

# --- Audit: who changed what, from where.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jiceng@localhost")
