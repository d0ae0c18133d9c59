"""The set of marked resource providers as the scheduler plugins see it:
read from Placement at most once per scheduling request (and reused for
``ttl`` seconds across requests), never once per host; when Placement
cannot be read, ``None`` (the plugins then let every host pass) and one log
line per outage.

Pure: no nova import, no I/O of its own (``fetch`` does the reading), so
it is tested with plain data.
"""

import logging
import threading
import time

LOG = logging.getLogger(__name__)


class MarkedProviders:
    """``get(request)`` -> frozenset of provider uuids, or None (unknown).

    ``fetch()`` returns the uuids (any iterable) or raises. A value is
    reused while it is younger than ``ttl()`` seconds, and always for the
    request (any object, compared by identity) it was read for: the
    filter is called once per instance of a multi-create request with the
    same request spec. A failed read is not retried for the same request
    either, nor before ``ttl()`` has passed.
    """

    def __init__(self, what, fetch, ttl, clock=time.monotonic, log=LOG,
                 meanwhile='every host passes'):
        self.what = what
        self.meanwhile = meanwhile
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._log = log
        self._lock = threading.Lock()
        self._value = None
        self._read_at = None
        self._request = None
        self._failing = False
        #: How many reads were made (for the tests and the debug log).
        self.reads = 0

    def _fresh(self, request, now):
        if self._read_at is None:
            return False
        if request is not None and request is self._request:
            return True
        return now - self._read_at < self._ttl()

    def get(self, request=None):
        with self._lock:
            now = self._clock()
            if self._fresh(request, now):
                return self._value
            self._read_at, self._request = now, request
            self.reads += 1
            try:
                value = frozenset(self._fetch())
            except Exception as exc:  # fail open, whatever went wrong
                self._value = None
                if not self._failing:
                    self._failing = True
                    self._log.warning(
                        'nova-hotspot: cannot read %s from Placement (%s); '
                        '%s until it can be read again', self.what,
                        ' '.join(str(exc).split()) or type(exc).__name__,
                        self.meanwhile)
                return None
            if self._failing:
                self._failing = False
                self._log.warning('nova-hotspot: %s read from Placement '
                                  'again', self.what)
            self._value = value
            return value
