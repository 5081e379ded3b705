"""Per-token rate limit on intake: a token bucket per API token, in this API process.

A runaway mail loop or a misconfigured monitoring rule must not bury the desk: past its burst,
a token gets 429 with `Retry-After` and the sender backs off; other tokens are unaffected.
Several API replicas each keep their own buckets (the limit then applies per replica).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until one may."""
        if self.per_second <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, Bucket(float(self.burst), now))
            bucket.tokens = min(
                self.burst, bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.per_second


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
