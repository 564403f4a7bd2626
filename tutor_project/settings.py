"""Settings for AI Tutor.

Two configurations, one code base (SPEC 2.1):
- no environment variables: the embedded default (SQLite, in-memory channel layer,
  Celery over the filesystem transport, the offline AI engine);
- production: DATABASE_URL, REDIS_URL, OPENAI_API_KEY (and the rest of README's table).
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tutor_project.secret import embedded_secret_key
from tutor_project.env import env_bool, env_float, env_int, env_json, env_list, env_optional_float, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("TUTOR_DATA_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
DATA_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DATABASE_URL or REDIS_URL:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DATABASE_URL or REDIS_URL is set "
                                   "(a long random string, the same for every process of the deployment)")
    SECRET_KEY = embedded_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "sessions_app",
    "agents_app",
    "whiteboard_app",
    "boards_app",
]

MIDDLEWARE = [
    "tutor_project.web.metrics.PrometheusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tutor_project.urls"
ASGI_APPLICATION = "tutor_project.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL) if DATABASE_URL else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # A file, not memory: tests start real server processes that share it (they get
        # its path in DATABASE_URL). One per test run, so parallel runs never collide.
        "TEST": {"NAME": DATA_DIR / f"test-db-{os.getpid()}.sqlite3"},
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded pool per process: under load, requests wait for a connection
    # instead of each thread opening its own until PostgreSQL refuses clients.
    DATABASES["default"]["OPTIONS"] = {
        # No call may hang on the database: connecting and each statement are bounded.
        "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
        "options": f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT', 60, minimum=0) * 1000}",
        "pool": {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20, minimum=1),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 30, minimum=1),
        }
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (Daphne + worker) share the file: writers take the lock up front
    # and wait for it; WAL lets readers and a writer work at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, broker ------------------------------------
# Every key and pub/sub channel of this deployment starts with this, so deployments sharing
# one Redis never see each other (pub/sub ignores the database number). By default it is
# derived from the database, which is the deployment's identity.
REDIS_PREFIX = env_str("REDIS_PREFIX") or "tutor-" + hashlib.sha256(repr(sorted(
    (key, str(DATABASES["default"].get(key, ""))) for key in ("ENGINE", "HOST", "PORT", "NAME"))).encode()).hexdigest()[:12]
if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", REDIS_PREFIX):
    raise ImproperlyConfigured(f"REDIS_PREFIX must be 1-40 letters, digits, '-', '_' or '.', got {REDIS_PREFIX!r}")
# Seconds to wait for Redis to connect / to answer, for the cache's and the broker's clients.
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT", 5, minimum=1)
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT", 5, minimum=1)
if REDIS_URL:
    # The channel layer's calls time out too, and soon: a frozen Redis must not hang a socket's
    # handshake (two subscriptions) or a turn (a bell per event), and channels_redis runs one
    # call at a time per process. A bell lost to the timeout loses nothing (sockets catch up
    # from the log). Its pub/sub receiver is not cut off when idle: it reads with a timeout
    # of its own (0.1 s), which redis-py puts in place of socket_timeout.
    _redis_hosts = [{"address": REDIS_URL, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                     "socket_timeout": env_float("REDIS_CHANNEL_LAYER_TIMEOUT", 1.0)}]
    # Pub/sub, not channels_redis' queue-per-channel RedisChannelLayer: that one spends four
    # round trips on every group_send (expire the group, read it, expire the queues, a script
    # pushing to each) and four on every message received, one message at a time; measured
    # here, 655 us of CPU per message sent and received against 126 us, and the tutor rings a
    # bell per streamed delta. One PUBLISH per message, pushed to every subscribed process.
    # Nothing sent on the layer needs its queue: the tutor's bells and the whiteboard's
    # relayed updates are shortcuts to stored logs, and a receiver that sees a gap reads the
    # log (sessions_app.event_log, whiteboard_app.rooms).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                  "CONFIG": {"hosts": _redis_hosts, "prefix": REDIS_PREFIX}}}
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_DIR = DATA_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Unacknowledged tasks of a killed worker are redelivered after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        "global_keyprefix": f"{REDIS_PREFIX}:",
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }
    # A publish with Redis gone fails within seconds instead of retrying for long.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
else:
    # No broker server in the embedded default: kombu's filesystem transport lets
    # Daphne and a local worker exchange messages through a folder.
    CELERY_BROKER_URL = "filesystem://"
    for _sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker child that grew past this (KiB) is replaced after its task: extraction of a
# pathological file must not leave a bloated process behind.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 512_000, minimum=10_000)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Auth, REST ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tutor_project.web.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tutor_project.web.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tutor_project.web.json_limits.BoundedJSONParser",
                               "rest_framework.parsers.FormParser", "rest_framework.parsers.MultiPartParser"],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "UPDATE_LAST_LOGIN": False,
    "TOKEN_REFRESH_SERIALIZER": "tutor_project.web.tokens.RefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Tutor API",
    "DESCRIPTION": "Self-hosted AI tutoring backend: folders, documents, tutor sessions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets are served from this install (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several fields get one stable name each (else drf-spectacular hashes them).
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "sessions_app.models.Message.Role",
        "SessionStatusEnum": "sessions_app.models.TutorSession.Status",
        "SessionRoleEnum": "sessions_app.models.SessionRole",
        "MemberRoleEnum": "sessions_app.models.MEMBER_ROLES",
        "InviteStatusEnum": "sessions_app.models.INVITE_STATUSES",
    },
}

# --- Files --------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
# The learner's web app, built by scripts/bootstrap.sh; collected under STATIC_URL/app/.
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.is_dir() else []
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
# A whole upload request (several files), and any request body: larger ones get 413 unread.
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", 50 * 1024 * 1024, minimum=1)
# Daphne's requests leave bodies unparsed and drop those over UPLOAD_MAX_REQUEST_BYTES as they
# arrive (tutor_project/web/daphne_requests.py, SPEC 2.2).
DAPHNE_GUARD_REQUESTS = env_bool("DAPHNE_GUARD_REQUESTS", True)
# JSON request bodies: larger ones get 413, deeper ones 400, before they are parsed.
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 1024 * 1024, minimum=1)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32, minimum=1)
# Django must let the request through so that our view can answer 413 in JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- AI -----------------------------------------------------------------------
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
LLM_DEFAULT_MODEL = env_str("LLM_DEFAULT_MODEL", "gpt-4o-mini")
# An embedding model on the same server (e.g. text-embedding-3-small); unset: lexical search only.
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL")
LLM_CONNECT_TIMEOUT = env_float("LLM_CONNECT_TIMEOUT", 5.0)
LLM_READ_TIMEOUT = env_float("LLM_READ_TIMEOUT", 30.0)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 3, minimum=0)
# Seconds a learner may wait for a reply to start (retries included); background work is not capped.
LLM_MAX_WAIT = env_float("LLM_MAX_WAIT", 60.0)
# Read timeout for non-interactive calls (analysis, planning, quizzes), which may think longer.
LLM_BATCH_READ_TIMEOUT = env_float("LLM_BATCH_READ_TIMEOUT", 120.0)
# {"model": {"input": USD per million tokens, "output": ...}}, on top of the built-in table.
LLM_PRICES = env_json("LLM_PRICES", {})
# Model spend allowed per tutor session in USD; unset: no limit. Past it, the offline engine answers.
LLM_SESSION_BUDGET_USD = env_optional_float("LLM_SESSION_BUDGET_USD")

# --- Security (production sets DJANGO_SECURE=1 behind TLS) --------------------
SECURE = env_bool("DJANGO_SECURE", False)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# --- Tutor sessions -------------------------------------------------------------
# An active session with no activity for this long is ended by the scheduled sweep.
TUTOR_STALE_SESSION_HOURS = env_int("TUTOR_STALE_SESSION_HOURS", 12, minimum=1)
# The tutor socket's limits: a larger frame closes the socket (4413); past the frame rate a
# frame gets an `error` instead of an answer; model turns per learner per minute, counted
# across processes in the cache.
TUTOR_WS_MAX_FRAME_BYTES = env_int("TUTOR_WS_MAX_FRAME_BYTES", 64 * 1024, minimum=256)
TUTOR_WS_FRAMES_PER_SECOND = env_int("TUTOR_WS_FRAMES_PER_SECOND", 20, minimum=1)
TUTOR_WS_FRAME_BURST = env_int("TUTOR_WS_FRAME_BURST", 40, minimum=1)
TUTOR_LLM_TURNS_PER_MINUTE = env_int("TUTOR_LLM_TURNS_PER_MINUTE", 20, minimum=1)

# --- Ingestion ----------------------------------------------------------------
INGEST_MAX_PAGES = env_int("INGEST_MAX_PAGES", 2000, minimum=1)
INGEST_STUCK_MINUTES = env_int("INGEST_STUCK_MINUTES", 30, minimum=0)
# How long a worker holds a document between progress updates before another may take it over.
INGEST_LEASE_SECONDS = env_int("INGEST_LEASE_SECONDS", 300, minimum=1)
# Extraction of one document runs in a child process within these bounds (agents_app.extraction).
INGEST_EXTRACT_CPU_SECONDS = env_int("INGEST_EXTRACT_CPU_SECONDS", 120, minimum=1)
INGEST_EXTRACT_MEMORY_MB = env_int("INGEST_EXTRACT_MEMORY_MB", 1024, minimum=64)
# A document whose processing runs longer than this fails with a clear reason.
INGEST_TIME_LIMIT_SECONDS = env_int("INGEST_TIME_LIMIT_SECONDS", 900, minimum=10)

# The whiteboard socket (whiteboard_app.limits; README "Configuration" says what a
# client sees at each limit).
WHITEBOARD_LIMITS = {
    "max_message_bytes": env_int("WHITEBOARD_MAX_MESSAGE_BYTES", 256 * 1024, minimum=1024),
    "max_document_bytes": env_int("WHITEBOARD_MAX_DOCUMENT_BYTES", 8 * 1024 * 1024, minimum=64 * 1024),
    "messages_per_second": env_float("WHITEBOARD_MESSAGES_PER_SECOND", 300.0),
    "burst": env_int("WHITEBOARD_MESSAGE_BURST", 600, minimum=1),
    "max_presences_per_connection": env_int("WHITEBOARD_MAX_PRESENCES_PER_CONNECTION", 4, minimum=1),
    "max_presences_per_room": env_int("WHITEBOARD_MAX_PRESENCES_PER_ROOM", 64, minimum=1),
    "max_awareness_state_bytes": env_int("WHITEBOARD_MAX_AWARENESS_STATE_BYTES", 8 * 1024, minimum=256),
    "max_waiting_updates": env_int("WHITEBOARD_MAX_WAITING_UPDATES", 200, minimum=1),
    "max_waiting_bytes": env_int("WHITEBOARD_MAX_WAITING_BYTES", 2 * 1024 * 1024, minimum=1024),
    "flush_interval": env_float("WHITEBOARD_FLUSH_SECONDS", 0.025),
    "catchup_interval": env_float("WHITEBOARD_CATCHUP_SECONDS", 1.0),
    "sweep_interval": env_float("WHITEBOARD_SWEEP_SECONDS", 5.0),
    "idle_seconds": env_float("WHITEBOARD_IDLE_SECONDS", 15.0),
    "awareness_timeout": env_float("WHITEBOARD_AWARENESS_SECONDS", 30.0),
}
