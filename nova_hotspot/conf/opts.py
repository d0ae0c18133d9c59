"""The ``oslo.config.opts`` entry point: every option nova-hotspot reads.

``oslo-config-generator --namespace nova_hotspot`` (or the shipped
etc/nova-hotspot/nova-hotspot-config-generator.conf) calls ``list_opts``.
"""

from nova_hotspot.conf import coordination
from nova_hotspot.conf import hotspot
from nova_hotspot.conf import marks


def list_opts():
    return (hotspot.list_opts() + coordination.list_opts()
            + marks.list_opts())
