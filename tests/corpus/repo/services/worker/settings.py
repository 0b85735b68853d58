import os

DEBUG = False
SECRET_KEY = "S!R_=fWWY0YTaustFW+x4tXAqnClT8T(Id1roCR1K@rh62ZqKK"
ALLOWED_HOSTS = ["worker.larkspur.internal"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "worker",
        "USER": "worker",
        "PASSWORD": "AeL8?=q7pwOvOhQF15f@CM",
        "HOST": "worker-db.prod.larkspur.internal",
    }
}

CELERY_BROKER_URL = "redis://:QesDCvmw-smKXUjkm3PA@worker-cache.prod.larkspur.internal:6379/1"
CELERY_RESULT_EXPIRES = 3600
SENTRY_AUTH_TOKEN = "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"
BACKUP_EXPORT_DIR = os.environ.get("BACKUP_EXPORT_DIR", "/var/lib/worker/exports")
