"""``openstack hotspot ...``: nova-hotspot as an openstackclient plugin."""
