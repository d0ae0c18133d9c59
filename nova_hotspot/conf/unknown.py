"""Options a config file sets in ``[hotspot]`` / ``[coordination]`` that
nova-hotspot does not know (typos such as ``cpu_treshold``).

oslo.config ignores them silently; the agent warns about each at start,
naming the closest valid option. Call it after the credentials were
loaded: keystoneauth registers its plugin's options (username,
password, ...) only then.
"""

import difflib
import glob
import os

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from nova_hotspot.conf import coordination
from nova_hotspot.conf import hotspot

GROUPS = (hotspot.GROUP_NAME, coordination.GROUP_NAME)


def _files(conf):
    files = list(conf.config_file or ())
    for directory in conf.config_dir or ():
        files += sorted(glob.glob(os.path.join(directory, '*.conf')))
    return files


def _deprecated_names(conf, group):
    """Old names keystoneauth still accepts in ``[hotspot]`` (e.g.
    ``user_name``): not typos."""
    if group != hotspot.GROUP_NAME:
        return set()
    opts = (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options())
    try:
        auth_type = conf[group].auth_type
        if auth_type:
            opts += ks_loading.get_auth_plugin_conf_options(auth_type)
    except Exception:  # noqa: BLE001 - an unknown plugin is reported
        pass           # elsewhere; its options are then unknown here too
    names = set()
    for opt in opts:
        for old in getattr(opt, 'deprecated_opts', None) or ():
            if old.name and old.group in (None, group):
                names |= {old.name, old.name.replace('-', '_')}
    return names


def unknown_options(conf, groups=GROUPS):
    """One message per option set in ``groups`` of the config files that
    is not registered, in file order: ``[hotspot] cpu_treshold: unknown
    option, ignored (did you mean cpu_threshold?) in FILE``."""
    messages = []
    for path in _files(conf):
        sections = {}
        try:
            cfg.ConfigParser(path, sections).parse()
        except (OSError, cfg.ParseError):
            continue   # oslo.config itself reports unreadable files
        for group in groups:
            given = sections.get(group, {})
            known = set(conf[group]) if group in conf else set()
            known |= _deprecated_names(conf, group)
            for name in given:
                if name in known:
                    continue
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = (f' (did you mean {close[0]}?)' if close
                        else '')
                messages.append(f'[{group}] {name}: unknown option, '
                                f'ignored{hint} in {path}')
    return messages
