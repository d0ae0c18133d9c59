"""Collect: a live cloud -> a core ``Cluster`` and the side facts the
agent needs (``build.Collection``).

- ``fetch``: the reads, through the ``cloud/`` gateways;
- ``build``: the pure mapping, in named steps (hosts, servers, pins,
  loads), also used by the actuator's fresh re-check;
- ``roles``: the pure master/slave mapping from server groups.
"""
