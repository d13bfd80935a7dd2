"""
Settings of the test backend: a small stand-in for the seed's marketplace (DESIGN §1), run by
daphne behind nginx in `npm run test:real`. Every setting a regression changes comes from the
environment the test harness (test/real/stack.ts) sets; a missing variable is an error, so a test
never runs against a default it did not choose.
"""
import os

env = os.environ

SECRET_KEY = env["DJANGO_SECRET_KEY"]
DEBUG = False  # production-like: Django's plain error pages, no debug page
ALLOWED_HOSTS = [h for h in env["DJANGO_ALLOWED_HOSTS"].split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",  # the Token table both the API and the consumer read
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",  # SECURE_SSL_REDIRECT lives here
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
ASGI_APPLICATION = "marketplace.asgi.application"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": env["DJANGO_DB_PATH"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True

# HTTPS behind a proxy: redirect plain-HTTP requests, and trust the proxy's X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env["DJANGO_SECURE_SSL_REDIRECT"] == "1"
if env["DJANGO_SECURE_PROXY_SSL_HEADER"]:
    SECURE_PROXY_SSL_HEADER = tuple(env["DJANGO_SECURE_PROXY_SSL_HEADER"].split(","))  # e.g. HTTP_X_FORWARDED_PROTO,https

# Comma-separated dotted paths; empty = leave DRF's defaults (Session, Basic), the seed's regression.
REST_FRAMEWORK = {}
if env["DRF_AUTHENTICATION_CLASSES"]:
    REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = env["DRF_AUTHENTICATION_CLASSES"].split(",")

# Extra permission classes of the orders view, after IsAuthenticated (e.g. IsAdminUser).
ORDERS_EXTRA_PERMISSIONS = [p for p in env["ORDERS_EXTRA_PERMISSIONS"].split(",") if p]

# How the chat consumer refuses a missing or unknown token: "deny" closes before accept() (daphne
# answers the upgrade with HTTP 403), "close4003" accepts and then closes with code 4003.
CHAT_AUTH_FAILURE = env["CHAT_AUTH_FAILURE"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
