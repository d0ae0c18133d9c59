"""The pure planning core of nova-hotspot.

Nothing under this package imports openstack, keystoneauth, oslo or any
other library that talks to a cloud, and nothing here does I/O: it takes a
snapshot of hosts and servers and returns a plan. Collectors build the
snapshot, actuators carry the plan out.
"""
