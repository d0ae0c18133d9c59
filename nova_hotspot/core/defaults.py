"""The defaults an operator gets, in one place.

Read by the ``[hotspot]`` options (``conf/hotspot.py``, hence the
generated sample and the Sphinx configuration reference), the
``nova-hotspot`` command, the devstack plugin's settings and the README;
``tests/unit/test_defaults.py`` checks that they all agree.

* ``cure`` is the strategy that cures: on generated clusters it leaves no
  curable host hot where the paper's one-master rule leaves most of them
  (doc/strategies.md). ``paper`` stays available by name.
* 2 of the last 3 cycles: one spike (a single hot sample) moves nothing,
  a host hot twice in three cycles is acted on (Sandpiper's k-of-n rule).
"""

STRATEGY = 'cure'
HOT_SAMPLES_REQUIRED = 2
HOT_SAMPLES_WINDOW = 3
CPU_THRESHOLD = 0.8
MEM_THRESHOLD = 0.8

#: How thresholds and other fractions are written in messages and help.
FRACTION_RANGE = '(0, 1]'


def is_fraction(value):
    """True when ``value`` is a threshold-like fraction: 0 < value <= 1
    (0 would make every loaded host hot; NaN is no fraction)."""
    return 0.0 < value <= 1.0
