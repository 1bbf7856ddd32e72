"""What the office's monitoring asks about: the database, Redis and a Celery worker.

    GET /health/                                  -> "OK" (200) or "ERROR" (500), plain text
    GET /health/ with Authorization: Bearer <HEALTH_TOKEN>, or as an administrator
                                                  -> each check and why it failed, as JSON

Anyone (a load balancer, an uptime probe) learns only whether the app is well; which service
failed and where it lives (Redis's host and database, the Celery app) is for the office's
monitoring and its administrators. The checks are named explicitly: django-health-check's
default list includes DNS and mail checks that fail on the office's closed network. Without
REDIS_URL the app runs tasks in-process, so there is no broker or worker to check.
"""

import asyncio
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check.checks import Database
from health_check.views import HealthCheckView

CHECKS: list = [Database]
if settings.REDIS_URL:
    from health_check.contrib.celery import Ping
    from health_check.contrib.redis import Redis
    from redis.asyncio import Redis as RedisClient

    CHECKS += [
        (Redis, {"client_factory": lambda: RedisClient.from_url(settings.REDIS_URL)}),
        Ping,
    ]


class HealthView(HealthCheckView):
    checks = CHECKS

    async def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        failed = any(result.error for result in self.results)
        status = 500 if failed else 200
        if await _may_see_details(request):
            return JsonResponse(
                {
                    type(result.check).__name__: str(result.error) if result.error else "OK"
                    for result in self.results
                },
                status=status,
            )
        return HttpResponse(
            "ERROR\n" if failed else "OK\n", content_type="text/plain; charset=utf-8", status=status
        )


async def _may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and sent and secrets.compare_digest(sent.encode(), token.encode()):
        return True
    user = await request.auser()
    return user.is_authenticated and user.role == user.Role.ADMIN
