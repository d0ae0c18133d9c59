"""A connection to a cloud built from oslo.config options (or
clouds.yaml), the counter of its API calls, and its gateways.

Nothing past this package sees an openstacksdk or keystoneauth object or
exception.
"""

import collections
import re
import threading
import urllib.parse

import keystoneauth1.exceptions as ks_exc
import openstack
import openstack.config
import openstack.exceptions
import requests
from keystoneauth1 import loading as ks_loading

from nova_hotspot import exceptions
from nova_hotspot.cloud import compute
from nova_hotspot.cloud import placement
from nova_hotspot.cloud.translate import errors
from nova_hotspot.conf import hotspot as hotspot_conf

#: A path segment that names one thing (a uuid, a number): ``{id}``.
_ID_SEGMENT = re.compile(r'^([0-9a-fA-F-]{32,36}|\d+)$')


def call_name(method, url):
    """The name of an API call: method, endpoint port and path with ids
    as ``{id}``, e.g. ``GET 8778/resource_providers/{id}/inventories``.
    (openstacksdk's own Prometheus counter labels each call by its whole
    URL, one series per server or provider; this keeps one per call.)"""
    parts = urllib.parse.urlsplit(url)
    path = '/'.join('{id}' if _ID_SEGMENT.match(p) else p
                    for p in parts.path.strip('/').split('/'))
    return f'{method} {parts.port or ""}/{path}'


class ApiCounter:
    """Counts HTTP requests made through one requests.Session (its
    response hook, which keystoneauth's session and the Prometheus client
    both run), by ``call_name``; thread-safe. ``take()`` returns the
    counts since the last ``take()`` and starts again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = collections.Counter()

    def hook(self, response, *args, **kwargs):
        key = call_name(response.request.method, response.request.url)
        with self._lock:
            self._counts[key] += 1

    def take(self):
        with self._lock:
            counts, self._counts = self._counts, collections.Counter()
        return counts

    def peek(self):
        with self._lock:
            return collections.Counter(self._counts)


class Cloud:
    """An openstacksdk Connection, the counter of its API calls and the
    gateways the agent reads and writes through:

    ``hypervisors``, ``inventories`` (Placement), ``servers`` (listing,
    one server, servers on a host, live migration, diagnostics),
    ``groups``, ``aggregates``, ``services`` (nova-compute),
    ``migrations`` (a server's latest, a failure's reason, an abort).
    """

    def __init__(self, conn, counter):
        self.conn = conn
        self.counter = counter
        self.hypervisors = compute.Hypervisors(conn)
        self.inventories = placement.Inventories(conn)
        self.servers = compute.Servers(conn)
        self.groups = compute.ServerGroups(conn)
        self.aggregates = compute.Aggregates(conn)
        self.services = compute.Services(conn)
        self.migrations = compute.Migrations(conn)

    @classmethod
    def from_conf(cls, conf, settings):
        """Authenticate with the keystoneauth options of ``[hotspot]``."""
        group = hotspot_conf.GROUP_NAME
        try:
            auth = ks_loading.load_auth_from_conf_options(conf, group)
        except ks_exc.MissingRequiredOptions as exc:
            names = ', '.join(o.dest for o in exc.options)
            raise exceptions.ConfigError(
                f'[{group}] {names}: required by auth_type '
                f'{conf[group].auth_type!r} but not set') from None
        except ks_exc.NoMatchingPlugin as exc:
            raise exceptions.ConfigError(
                f'[{group}] auth_type: {exc}') from None
        except Exception as exc:  # oslo.config parse errors of auth opts
            raise exceptions.ConfigError(
                f'[{group}] auth options: {" ".join(str(exc).split())}'
            ) from None
        if auth is None:
            raise exceptions.ConfigError(
                f'[{group}] auth_type: not set; the agent needs credentials '
                f'(e.g. auth_type = password, auth_url, username, ...)')
        auth_type = conf[group].auth_type
        if auth_type in ('password', 'v3password', 'v2password') and \
                not conf[group].password:
            # keystoneauth would only fail at the first token request.
            raise exceptions.ConfigError(
                f'[{group}] password: required by auth_type {auth_type!r} '
                f'but not set')
        counter = ApiCounter()
        http = requests.Session()
        http.hooks['response'].append(counter.hook)
        try:
            sess = ks_loading.load_session_from_conf_options(
                conf, group, auth=auth, session=http)
        except Exception as exc:
            raise exceptions.ConfigError(
                f'[{group}] session options: {" ".join(str(exc).split())}'
            ) from None
        kwargs = {'compute_api_version': settings.compute_api_version,
                  'interface': settings.interface}
        if settings.region_name:
            kwargs['region_name'] = settings.region_name
        with errors('connecting'):
            conn = openstack.connection.Connection(
                session=sess, app_name='nova-hotspot', **kwargs)
        return cls(conn, counter)

    def check_access(self):
        """At start: do the credentials work and carry the rights the
        agent needs (list hypervisors, read Placement)? Raises ConfigError
        when Keystone refuses them (401) or the cloud denies a call
        (403); CloudError when the cloud cannot be reached (the agent
        starts anyway and its cycles retry)."""
        group = hotspot_conf.GROUP_NAME
        checks = (
            ('listing hypervisors (policy os_compute_api:os-hypervisors:'
             'list)', self.hypervisors.probe),
            ('reading Placement resource providers',
             self.inventories.probe),
        )
        for what, probe in checks:
            try:
                probe(what)
            except exceptions.CloudError as exc:
                status = getattr(exc, 'status_code', None)
                if status == 401:
                    raise exceptions.ConfigError(
                        f'[{group}] credentials refused by Keystone: '
                        f'{exc}') from None
                if status == 403:
                    raise exceptions.ConfigError(
                        f'[{group}] credentials lack the rights the agent '
                        f'needs (an admin user, e.g. nova\'s service '
                        f'user): {exc}') from None
                raise

    @classmethod
    def from_options(cls, options, compute_api_version):
        """Connect with openstackclient's parsed global options
        (``--os-cloud``, ``--os-auth-url``, ... and the OS_* environment
        they default to), at the agent's compute microversion."""
        with errors('connecting with the --os-* options'):
            region = openstack.config.OpenStackConfig().get_one(
                cloud=getattr(options, 'cloud', None), argparse=options)
            # The collector needs its microversion (hypervisor ids that
            # are Placement providers), not openstackclient's default.
            region.config['compute_api_version'] = compute_api_version
            return cls._from_region(region)

    @classmethod
    def from_cloud_name(cls, name, compute_api_version='2.88',
                        config_files=None):
        """Connect as cloud ``name`` of clouds.yaml (the usual places, or
        ``config_files``)."""
        try:
            region = openstack.config.OpenStackConfig(
                config_files=config_files).get_one(
                    cloud=name, compute_api_version=compute_api_version)
        except openstack.exceptions.ConfigException as exc:
            # a name clouds.yaml does not have is the operator's mistake
            # (exit 2), not a cloud that cannot be reached
            raise exceptions.ConfigError(f'cloud {name!r}: {exc}') from None
        with errors(f'cloud {name!r}'):
            return cls._from_region(region)

    @classmethod
    def _from_region(cls, region):
        """A Cloud on an openstacksdk CloudRegion, its calls counted."""
        conn = openstack.connection.Connection(config=region)
        counter = ApiCounter()
        conn.session.session.hooks['response'].append(counter.hook)
        return cls(conn, counter)
