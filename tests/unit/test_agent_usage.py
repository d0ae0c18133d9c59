"""Usage-source arithmetic on diagnostics records."""

import pytest

from nova_hotspot.cloud.records import Diagnostics
from nova_hotspot.usage import diagnostics


def diag(*times, used=512):
    return Diagnostics(cpu_times=times, memory_used=used)


def test_busy_vcpus_from_two_samples():
    first = diagnostics.cpu_time_ns(diag(1_000_000_000, 2_000_000_000))
    second = diagnostics.cpu_time_ns(diag(6_000_000_000, 4_000_000_000))
    # 7 s of CPU time over 5 s of wall time: 1.4 busy vCPUs
    assert diagnostics.busy_vcpus(first, second, 5.0) == pytest.approx(1.4)


def test_constant_cpu_time_is_idle():
    t = diagnostics.cpu_time_ns(diag(17_300_000_000))
    assert diagnostics.busy_vcpus(t, t, 2.0) == 0.0


@pytest.mark.parametrize('first, second, wall', [
    (None, 5.0, 1.0), (5.0, None, 1.0), (5.0, 6.0, 0.0),
    (9e9, 1e9, 1.0),   # counter went backwards: guest restarted
])
def test_unusable_samples(first, second, wall):
    assert diagnostics.busy_vcpus(first, second, wall) is None


def test_missing_fields():
    assert diagnostics.cpu_time_ns(Diagnostics()) is None
    assert diagnostics.cpu_time_ns(Diagnostics(cpu_times=(None,))) is None
    assert diagnostics.memory_used(Diagnostics()) is None
    assert diagnostics.memory_used(diag(1, used=300)) == 300.0
    assert diagnostics.memory_used(Diagnostics(memory_used=True)) is None
