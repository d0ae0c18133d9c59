"""The scheduler plugins' view of the marked providers
(scheduler/cache.py): one Placement read per scheduling request at most,
reused for a few seconds, fail open with one log line per outage."""

import logging

from nova_hotspot.scheduler import cache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Placement:
    """What the fetch callable sees: answers or an outage."""

    def __init__(self, uuids=()):
        self.uuids = set(uuids)
        self.down = False
        self.reads = 0

    def fetch(self):
        self.reads += 1
        if self.down:
            raise ConnectionError('Connection refused')
        return list(self.uuids)


def make(ttl=5, uuids=('rp1',)):
    placement, clock = Placement(uuids), Clock()
    marked = cache.MarkedProviders('the hot hosts', placement.fetch,
                                   lambda: ttl, clock=clock)
    return marked, placement, clock


def test_one_read_for_every_host_and_instance_of_a_request():
    marked, placement, _ = make(ttl=0)
    request = object()
    for _ in range(3):              # a multi-create: filter_all per instance
        assert marked.get(request) == {'rp1'}
    assert placement.reads == 1


def test_reused_across_requests_for_ttl_then_read_again():
    marked, placement, clock = make(ttl=5)
    assert marked.get(object()) == {'rp1'}
    placement.uuids = {'rp2'}
    clock.now += 4.9
    assert marked.get(object()) == {'rp1'}
    clock.now += 0.2
    assert marked.get(object()) == {'rp2'}
    assert placement.reads == 2


def test_ttl_0_reads_once_per_request():
    marked, placement, _ = make(ttl=0)
    marked.get(object())
    marked.get(object())
    assert placement.reads == 2


def test_fail_open_logs_once_per_outage(caplog):
    marked, placement, clock = make(ttl=0)
    placement.down = True
    with caplog.at_level(logging.WARNING):
        for _ in range(4):
            assert marked.get(object()) is None
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert 'cannot read the hot hosts from Placement' in warnings[0]
    assert 'Connection refused' in warnings[0]
    assert 'every host passes' in warnings[0]
    caplog.clear()
    placement.down = False
    with caplog.at_level(logging.WARNING):
        assert marked.get(object()) == {'rp1'}
        assert marked.get(object()) == {'rp1'}
    assert [r.getMessage() for r in caplog.records] == [
        'nova-hotspot: the hot hosts read from Placement again']
    caplog.clear()
    placement.down = True
    with caplog.at_level(logging.WARNING):
        assert marked.get(object()) is None
    assert len(caplog.records) == 1     # a new outage: logged again


def test_a_failed_read_is_not_retried_within_the_request_or_ttl():
    marked, placement, clock = make(ttl=5)
    placement.down = True
    request = object()
    assert marked.get(request) is None
    assert marked.get(request) is None
    assert marked.get(object()) is None
    assert placement.reads == 1
    placement.down = False
    clock.now += 5
    assert marked.get(object()) == {'rp1'}


def test_any_error_fails_open():
    def fetch():
        raise KeyError('resource_providers')
    marked = cache.MarkedProviders('x', fetch, lambda: 0)
    assert marked.get() is None


def test_ttl_is_read_each_time_so_a_new_option_value_applies():
    ttl = [100]
    placement, clock = Placement({'a'}), Clock()
    marked = cache.MarkedProviders('x', placement.fetch, lambda: ttl[0],
                                   clock=clock)
    marked.get(object())
    clock.now += 10
    marked.get(object())
    assert placement.reads == 1
    ttl[0] = 5
    marked.get(object())
    assert placement.reads == 2
