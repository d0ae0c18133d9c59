"""The edge between nova-hotspot and a cloud: the only code that imports
openstacksdk, keystoneauth or requests.

- ``connection``: ``Cloud`` (a connection, its API call counter and its
  gateways), ``ApiCounter``, ``Cloud.from_conf``/``from_cloud_name``,
  ``check_access``;
- ``translate``: ``errors()``, the translation of library errors into
  ``exceptions.CloudError`` (with ``.status_code``);
- ``records``: the typed, frozen records the gateways return (no raw
  dict or SDK resource passes this package);
- ``compute``, ``placement``: the gateways, small typed reads and writes.
"""

from nova_hotspot.cloud.connection import ApiCounter
from nova_hotspot.cloud.connection import Cloud
from nova_hotspot.cloud.translate import errors

__all__ = ['ApiCounter', 'Cloud', 'errors']
