"""Credentials against the real Keystone of the minicloud (issue 5, items 7
and 8): a user without the rights the agent needs, or a wrong password,
ends the start with one line; with debug logging on, no password or token
appears in the agent's output.
"""

import re

import faults
import openstack.config
import pytest
from agent_helpers import AUTH_KEYS

pytestmark = pytest.mark.minicloud

# Keystone's fernet tokens: base64url of a Fernet token, which starts
# with version byte 0x80 and a timestamp ("gAAAAAB...").
FERNET = re.compile(r'gAAAAA[A-Za-z0-9_-]{40,}')


def auth_of(cloud_info, name):
    files = [cloud_info.config_file] if cloud_info.config_file else None
    return openstack.config.OpenStackConfig(config_files=files).get_one(
        cloud=name).config['auth']


def write(path, auth, debug=False, **hotspot):
    lines = ['[DEFAULT]', f'debug = {str(debug).lower()}']
    if debug:
        # oslo.log keeps the HTTP libraries at WARN even with debug on;
        # open them all up: the strictest case for leaks.
        lines.append('default_log_levels = keystoneauth=DEBUG,'
                     'openstack=DEBUG,urllib3=DEBUG,requests=DEBUG,'
                     'stevedore=DEBUG,oslo_config=DEBUG')
    lines += ['', '[hotspot]',
             'enabled = true', 'auth_type = password']
    lines += [f'{k} = {auth[k]}' for k in AUTH_KEYS if auth.get(k)]
    lines += [f'{k} = {v}' for k, v in hotspot.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


def test_user_without_rights_is_refused_at_start(minicloud, tmp_path):
    auth = auth_of(minicloud, minicloud.user_cloud)
    code, stdout, stderr = faults.run_agent(
        write(tmp_path / 'user.conf', auth, dry_run='true'), '--once')
    assert code == 2, (stdout, stderr)
    [line] = stderr.splitlines()
    assert line.startswith('nova-hotspot-agent: error: [hotspot] '
                           'credentials lack the rights'), line
    assert 'HTTP 403' in line and 'hypervisors' in line, line
    assert auth['password'] not in stdout + stderr


def test_wrong_password_is_refused_at_start(minicloud, tmp_path):
    auth = dict(auth_of(minicloud, minicloud.admin_cloud),
                password='not-the-password')
    code, stdout, stderr = faults.run_agent(
        write(tmp_path / 'wrong.conf', auth, dry_run='true'), '--once')
    assert code == 2, (stdout, stderr)
    [line] = stderr.splitlines()
    assert 'credentials refused by Keystone' in line and '401' in line, line
    assert 'not-the-password' not in stdout + stderr


def test_debug_logging_shows_no_password_or_token(minicloud, tmp_path,
                                                  admin_conn):
    auth = auth_of(minicloud, minicloud.admin_cloud)
    # A token Keystone issues for the same credentials (each issue is a
    # new token; the regex below catches the agent's own).
    token = admin_conn.session.get_token()
    code, stdout, stderr = faults.run_agent(
        write(tmp_path / 'debug.conf', auth, debug=True, dry_run='true'),
        '--once')
    output = stdout + stderr
    assert code in (0, 1), output
    # debug logging was really on: keystoneauth logged the requests
    assert 'DEBUG' in output and 'REQ: curl' in output, output[-3000:]
    assert 'cycle 1: ' in output
    assert auth['password'] not in output
    assert token not in output
    leaked = FERNET.findall(output)
    assert leaked == [], leaked[:3]
