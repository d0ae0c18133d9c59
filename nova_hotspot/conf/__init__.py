"""oslo.config options of nova-hotspot.

Every module here defines the options of one group and a ``list_opts()``;
``register_opts(conf)`` registers them all on a ``ConfigOpts`` the caller
owns. There is no global CONF: the agent, the CLI and the tests each build
their own and pass it on explicitly.
"""

from nova_hotspot.conf import coordination
from nova_hotspot.conf import hotspot
from nova_hotspot.conf import marks


def register_opts(conf):
    """Register every nova-hotspot option group on ``conf``."""
    hotspot.register_opts(conf)
    coordination.register_opts(conf)
    marks.register_opts(conf)
