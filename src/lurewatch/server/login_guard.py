"""Password-login throttling, per server process.

- Failed logins are counted per account name and per client address over a sliding window; at the limit
  further attempts get 429 with Retry-After until the oldest failure leaves the window (a correct
  password too: that is what makes it a lockout).
- At most `concurrent_hashes` Argon2 verifications run at once (64 MiB each with the default cost); a
  login that finds no free slot within `hash_wait_seconds` gets 503 with Retry-After.
- What a failed login writes to the audit log is bounded: the attacker-chosen name is cut and made
  printable, and only the first failure of a name in a window and the lockout itself are recorded
  (the lockout entry carries the count), so at most `address_failures` + 1 entries per address per window.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

AUDIT_NAME_CHARS = 64


class Busy(Exception):
    """No password-hashing slot became free in time."""


@dataclass(slots=True)
class LoginLimits:
    account_failures: int = 5  # per account name per window (0: no limit)
    address_failures: int = 20  # per client address per window (0: no limit)
    window_seconds: int = 900
    concurrent_hashes: int = 4
    hash_wait_seconds: float = 2.0
    tracked_keys: int = 50_000  # names and addresses remembered at most each (~1 KB each; oldest forgotten)

    @classmethod
    def from_env(cls) -> LoginLimits:
        env, lim = os.environ, cls()
        for name, attr, kind in (("MAX_FAILURES", "account_failures", int),
                                 ("MAX_FAILURES_PER_ADDRESS", "address_failures", int),
                                 ("WINDOW_SECONDS", "window_seconds", int),
                                 ("CONCURRENT_HASHES", "concurrent_hashes", int),
                                 ("HASH_WAIT_SECONDS", "hash_wait_seconds", float)):
            raw = env.get(f"LUREWATCH_LOGIN_{name}")
            if raw:
                setattr(lim, attr, max(kind(raw), 0))
        lim.concurrent_hashes = max(lim.concurrent_hashes, 1)
        lim.window_seconds = max(lim.window_seconds, 1)
        return lim


class HashGate:
    """A bounded number of concurrent password hashes; `active` and `peak` are kept for monitoring."""

    def __init__(self, slots: int, wait_seconds: float) -> None:
        self.slots = slots
        self.wait = wait_seconds
        self._sem = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._sem.acquire(timeout=self.wait):
            raise Busy("too many logins at once")
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._sem.release()


class _Failures:
    """Failure times per key within the window (the last `limit` only), at most `cap` keys."""

    def __init__(self, limit: int, window: float, cap: int) -> None:
        self.limit, self.window, self.cap = limit, window, cap
        self._d: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        q = self._d.get(key)
        while q and q[0] <= now - self.window:
            q.popleft()
        if q is not None and not q:
            del self._d[key]
            return None
        return q

    def retry_after(self, key: str, now: float) -> int:
        q = self._recent(key, now)
        if not self.limit or q is None or len(q) < self.limit:
            return 0
        return max(1, math.ceil(q[0] + self.window - now))

    def add(self, key: str, now: float) -> int:
        q = self._recent(key, now)
        if q is None:
            q = self._d[key] = deque(maxlen=self.limit or 1000)
            while len(self._d) > self.cap:
                self._d.popitem(last=False)
        self._d.move_to_end(key)
        q.append(now)
        return len(q)

    def clear(self, key: str) -> None:
        self._d.pop(key, None)


@dataclass(slots=True)
class Failure:
    count: int  # failures of this account name in the window, this one included
    first: bool  # the first of the window: worth an audit entry
    account_locked: bool  # this failure reached the account limit
    address_locked: bool  # this failure reached the address limit


class LoginGuard:
    def __init__(self, limits: LoginLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.gate = HashGate(limits.concurrent_hashes, limits.hash_wait_seconds)
        self._lock = threading.Lock()
        self._accounts = _Failures(limits.account_failures, limits.window_seconds, limits.tracked_keys)
        self._addresses = _Failures(limits.address_failures, limits.window_seconds, limits.tracked_keys)

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this name may try again from this address (0: now)."""
        now = self.clock()
        with self._lock:
            return max(self._accounts.retry_after(account_key(username), now),
                       self._addresses.retry_after(address, now))

    def failed(self, username: str, address: str) -> Failure:
        now = self.clock()
        with self._lock:
            n = self._accounts.add(account_key(username), now)
            m = self._addresses.add(address, now)
        lim = self.limits
        return Failure(n, n == 1, bool(lim.account_failures) and n == lim.account_failures,
                       bool(lim.address_failures) and m == lim.address_failures)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._accounts.clear(account_key(username))


def account_key(username: str) -> str:
    """The name as the login looks it up (case-insensitive), bounded."""
    return username.replace("\x00", "").strip().lower()[:151]


def audit_name(username: str) -> str:
    """An attacker-chosen name as the audit log may keep it: printable, at most 64 characters, with the
    length of what was cut."""
    clean = "".join(c if c.isprintable() else "?" for c in username[:AUDIT_NAME_CHARS])
    extra = len(username) - AUDIT_NAME_CHARS
    return clean + (f"...(+{extra} chars)" if extra > 0 else "")
