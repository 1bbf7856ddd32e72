"""What the office's monitoring asks about: the database, Redis and a Celery worker.

Named explicitly: django-health-check's default list includes DNS and mail checks that fail on
the office's closed network. Without REDIS_URL the app runs tasks in-process, so there is no
broker or worker to check.
"""

from django.conf import settings
from health_check.checks import Database

CHECKS: list = [Database]
if settings.REDIS_URL:
    from health_check.contrib.celery import Ping
    from health_check.contrib.redis import Redis
    from redis.asyncio import Redis as RedisClient

    CHECKS += [
        (Redis, {"client_factory": lambda: RedisClient.from_url(settings.REDIS_URL)}),
        Ping,
    ]
