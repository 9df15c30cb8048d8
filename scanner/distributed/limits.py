"""Rate limits and per-host caps that hold for a whole distributed run, not per worker.

Every worker of a run takes its connection tokens from one token bucket kept in Redis (the
broker's server: no other infrastructure), and its per-host check slots from one lease set per
host, so N workers press on the targets no harder than one local run: the inventory's
``connections_per_second``, ``ot_connections_per_second`` and ``per_host`` hold for the run.

Both are small Lua scripts run atomically by Redis, with Redis's own clock (``TIME``), so the
workers' clocks do not matter. Keys are per run (``scanner:run:ID:...``) and expire an hour after
their last use. A lease is held for at most the check deadline plus a margin: a worker killed
while holding one frees it when it expires.

While Redis cannot be reached (the broker restarting), each worker falls back to limits of its
own (the run's rate in this process, its per-host cap) rather than failing checks: the broker's
outage does not become the targets' findings lost. It says so in its log, once per outage.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from scanner.engine.context import RunServices
from scanner.inventory.schema import LoadedInventory
from scanner.transport.ratelimit import TokenBucket

log = logging.getLogger(__name__)

#: Makes a run's services (run id, its inventory, this process's services) take their limits
#: from a store shared by every worker of the run.
Share = Callable[[int, LoadedInventory, RunServices], RunServices]

#: Seconds a per-host slot's lease outlives the check deadline: a check ends by its deadline
#: (the executor abandons it a few seconds after), so a killed worker's slots free themselves
#: soon after, and the worker its task is given to again is not kept waiting long.
LEASE_MARGIN = 10.0

#: Seconds a key outlives its last use.
KEY_TTL = 3600
#: Longest wait for a per-host slot before the check runs anyway (a bound, never expected).
MAX_SLOT_WAIT = 3600.0

_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return tostring(wait)
"""

_TAKE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
  return 1
end
return 0
"""


class SharedBucket:
    """A token bucket in Redis: ``rate`` tokens a second, bursts up to ``burst``, shared by every
    process that names the same ``key``."""

    def __init__(self, client: Any, key: str, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self._key = key
        self._script = client.register_script(_BUCKET)
        self._local = TokenBucket(rate, self.burst)  # while Redis is unreachable
        self._down = False

    def acquire(self, deadline: float) -> bool:
        """Take one token, waiting no later than ``deadline`` (monotonic); False if it cannot."""
        while True:
            try:
                answer = self._script(keys=[self._key], args=[self.rate, self.burst, KEY_TTL])
            except Exception as exc:  # redis-py's connection errors (the broker restarting)
                if not self._down:
                    self._down = True
                    log.warning("shared rate limit unreachable (%s): this worker's own", exc)
                return self._local.acquire(deadline)
            self._down = False
            wait = float(answer)
            if wait <= 0:
                return True
            if time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)


class SharedSlots:
    """Per-host check slots in Redis: at most ``limit`` checks of one host at once across every
    process of a run; each slot a lease that expires ``lease`` seconds after it was taken."""

    def __init__(self, client: Any, prefix: str, lease: float) -> None:
        self._prefix = prefix
        self._lease = lease
        self._client = client
        self._take = client.register_script(_TAKE_SLOT)

    @contextmanager
    def hold(self, host: str, limit: int) -> Iterator[None]:
        """Wait for one of ``host``'s ``limit`` slots, hold it while the block runs."""
        key, holder = f"{self._prefix}:{host}", uuid.uuid4().hex
        give_up = time.monotonic() + MAX_SLOT_WAIT
        try:
            while not self._take(keys=[key], args=[limit, self._lease, holder, KEY_TTL]):
                if time.monotonic() > give_up:
                    break
                time.sleep(0.05)
        except Exception as exc:  # Redis unreachable: the executor's own per-host cap holds
            log.warning("shared per-host slots unreachable (%s): this worker's own cap", exc)
        try:
            yield
        finally:
            try:
                self._client.zrem(key, holder)
            except Exception:  # unreachable still: the lease expires by itself
                log.debug("could not free a per-host slot of %s; it expires by itself", host)


def shared_limits(broker: str) -> Share | None:
    """What makes a worker's run services take their limits from the broker's Redis, or None
    for a broker that is not Redis (each worker then keeps its own limits: see
    docs/scale-out.md)."""
    if not broker.startswith(("redis://", "rediss://")):
        return None
    import redis  # noqa: PLC0415 (only a Redis broker needs it)

    client = redis.Redis.from_url(broker, socket_timeout=30, socket_connect_timeout=10)

    def share(run_id: int, inv: LoadedInventory, services: RunServices) -> RunServices:
        limits = inv.model.rate_limits
        prefix = f"scanner:run:{run_id}"
        return replace(
            services,
            bucket=SharedBucket(client, f"{prefix}:rate", limits.connections_per_second),
            ot_bucket=SharedBucket(
                client, f"{prefix}:ot-rate", limits.ot_connections_per_second, burst=1
            ),
            host_slots=SharedSlots(
                client, f"{prefix}:host", lease=limits.check_timeout + LEASE_MARGIN
            ),
        )

    return share
