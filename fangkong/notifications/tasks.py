"""Background jobs (Huey): the rules evaluated every minute, and each webhook delivery sent with
retries on a growing delay (services.webhooks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from fangkong.core.jobqueue import job_lock


@db_periodic_task(crontab(minute="*"))
@job_lock("notifications-deliver")  # a slow run is not overlapped by the next minute's
def notifications_deliver() -> int:
    from .services import deliver

    return deliver().notified


@db_task()
def webhook_send(delivery_id: int) -> bool:
    from .services.webhooks import webhook_send as send

    result = send(delivery_id)
    if result.retry_in is not None:
        raise RetryTask(delay=result.retry_in)
    return result.delivered
