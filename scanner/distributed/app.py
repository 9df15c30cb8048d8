"""The Celery application of a distributed run, configured from the broker URL alone.

One task, :data:`TASK`: run one asset's jobs of one run. Results go to the store, never to a
Celery result backend. The settings that make a dead worker's job run elsewhere:

- ``task_acks_late``: a task is acknowledged after it ran, not when it was received;
- ``task_reject_on_worker_lost``: a task whose pool process died is requeued, not failed;
- ``worker_prefetch_multiplier = 1``: a worker holds no more tasks than it runs, so a dead one
  strands only those;
- the broker's ``visibility_timeout`` (Redis): an unacknowledged task whose worker vanished is
  delivered again after this many seconds (``scanner worker --redelivery-after``).

And the settings that keep the broker a carrier of signed tasks only: no remote control (a
worker consumes no broadcast commands, so nobody on the broker can shut it down, change its
pool or rate limits, or ask it what it runs), no events, JSON only (never pickle). Tasks
themselves are checked by the worker (:mod:`.wire`).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from scanner.core.errors import UserError
from scanner.core.secrets import hide_password, redact

TASK = "scanner.run_asset_jobs"
QUEUE = "scanner"
#: Seconds an unacknowledged task waits before another worker gets it (Redis and SQS brokers).
DEFAULT_REDELIVERY = 900.0


def make_app(broker: str, *, redelivery_after: float = DEFAULT_REDELIVERY) -> Celery:
    """A Celery app on ``broker`` (``redis://HOST:PORT/DB`` or ``amqp://...``)."""
    if "://" not in broker:
        raise UserError(
            f"--broker {hide_password(broker)!r} is not a URL. Fix: give redis://HOST:PORT/0 "
            "(or amqp://...)."
        )
    app = Celery("scanner", broker=broker, set_as_current=False)
    transport: dict[str, Any] = {
        "visibility_timeout": redelivery_after,
        # Look for stranded tasks every second instead of every 100 s, so that a short
        # visibility timeout really redelivers soon after it expires.
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        "socket_timeout": 30,
        "socket_connect_timeout": 10,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=10,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


def check_broker(app: Celery) -> None:
    """Connect to the broker once; a UserError naming it (without its password) if that fails."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=10)
    except Exception as exc:  # kombu and its transports raise their own connection errors
        url = app.conf.broker_url
        raise UserError(
            f"cannot reach the broker {hide_password(url)}: {redact(str(exc), url)}. Fix: start "
            "it (redis-server) or correct --broker."
        ) from None
