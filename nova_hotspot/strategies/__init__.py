"""Planning strategies, registered in the ``nova_hotspot.strategies``
stevedore namespace and loaded by name through nova_hotspot.plugins.

Strategies are part of the pure core: they import no cloud library and do
no I/O. They take a ``Cluster`` and return a ``Plan``.
"""
