"""oslo.config types of the project's options."""

from oslo_config import types

from nova_hotspot.core import defaults


class Fraction(types.Float):
    """A float in (0, 1]: thresholds and other fractions of a limit.

    oslo's ``Float(min=0.0)`` would accept 0 and show ``Minimum value:
    0.0`` in the sample, though 0 makes every loaded host hot; this type
    rejects it and says ``fraction in (0, 1]``.
    """

    def __init__(self):
        super().__init__(
            type_name=f'fraction in {defaults.FRACTION_RANGE}')

    def __call__(self, value):
        number = super().__call__(value)
        if not defaults.is_fraction(number):
            raise ValueError(
                f'must be in {defaults.FRACTION_RANGE}, got {number!r}')
        return number
