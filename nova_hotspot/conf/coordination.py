"""The ``[coordination]`` group: high availability through tooz.

The same group name and ``backend_url`` option other OpenStack services
(cinder, aodh, designate...) use, so an operator configures it the usual
way. With no backend_url the agent runs alone and always acts.
"""

from oslo_config import cfg

GROUP_NAME = 'coordination'

coordination_group = cfg.OptGroup(
    GROUP_NAME, title='Coordination between nova-hotspot agents',
    help='Run several nova-hotspot-agent processes for high availability: '
         'they elect one leader through a tooz backend, and only the '
         'leader plans and migrates.')

coordination_opts = [
    cfg.StrOpt('backend_url', secret=True,
               help='tooz backend URL, e.g. redis://127.0.0.1:6379?'
                    'timeout=10 or etcd3+http://127.0.0.1:2379. Unset: '
                    'no coordination, this agent always acts. The '
                    'backend\'s timeout bounds how long a dead leader '
                    'keeps the leadership. The agents\' cooldowns, target '
                    'quarantines and hot-sample history are kept in the '
                    'backend too, so a standby that takes over knows '
                    'them.'),
    cfg.StrOpt('group', default='nova-hotspot',
               help='Election group: agents of one cloud share it (and '
                    'the state kept in the backend).'),
    cfg.StrOpt('member_id',
               help='This agent\'s name in the group (default: '
                    'hostname:pid).'),
]


def register_opts(conf):
    conf.register_group(coordination_group)
    conf.register_opts(coordination_opts, group=coordination_group)


def list_opts():
    return [(coordination_group, coordination_opts)]
