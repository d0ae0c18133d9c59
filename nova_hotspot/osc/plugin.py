"""The openstackclient plugin module (entry point
``openstack.cli.extension: hotspot``); the commands are in
``nova_hotspot.osc.commands`` (entry points ``openstack.hotspot.v1``).

nova-hotspot has no REST API of its own: there is no client to make.
The commands that read a cloud connect through ``nova_hotspot.cloud``
with openstackclient's --os-* options, at the agent's compute
microversion.
"""

API_NAME = 'hotspot'
API_VERSION_OPTION = 'os_hotspot_api_version'
API_VERSIONS = ('1',)
DEFAULT_API_VERSION = '1'


def make_client(instance):
    """No client object: see the module docstring."""
    return None


def build_option_parser(parser):
    """No global options of its own."""
    return parser
