"""The packaging conventions hold: bindep.txt lists what the install
scripts install, the systemd unit runs the installed agent with a stop
timeout longer than a migration, every release note is reno's format, and
the docs and release notes have their tox environments."""

import ast
import configparser
import pathlib
import re

import yaml

from nova_hotspot.conf import hotspot

ROOT = pathlib.Path(__file__).resolve().parents[2]
RENO_SECTIONS = {'prelude', 'features', 'issues', 'upgrade', 'deprecations',
                 'critical', 'security', 'fixes', 'other'}


def bindep_packages():
    names = set()
    for line in (ROOT / 'bindep.txt').read_text().splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            names.add(line.split()[0])
    return names


def minicloud_apt_packages():
    tree = ast.parse((ROOT / 'tools' / 'minicloud' / 'minicloud').read_text())
    for node in ast.walk(tree):
        names = [getattr(t, 'id', None) for t in getattr(node, 'targets', ())]
        if isinstance(node, ast.Assign) and 'APT_PACKAGES' in names:
            return set(ast.literal_eval(node.value))
    raise AssertionError('tools/minicloud has no APT_PACKAGES')


def test_bindep_lists_every_package_the_install_scripts_install():
    run_tests = (ROOT / 'tools' / 'run-tests').read_text()
    from_run_tests = set(re.findall(r'missing="\$missing ([\w-]+)"',
                                    run_tests))
    assert {'redis-server', 'etcd-server'} <= from_run_tests
    assert from_run_tests | minicloud_apt_packages() <= bindep_packages()


def test_systemd_unit_runs_the_agent_and_outlasts_a_migration():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / 'etc' / 'nova-hotspot' / 'nova-hotspot-agent.service')
    service = unit['Service']
    command = service['ExecStart'].split()
    assert pathlib.Path(command[0]).name == 'nova-hotspot-agent'
    assert command[1:] == ['--config-file', '/etc/nova/nova.conf']
    assert service['ExecReload'] == '/bin/kill -HUP $MAINPID'
    migration_timeout = {o.dest: o.default for o in hotspot.hotspot_opts}[
        'migration_timeout']
    assert int(service['TimeoutStopSec']) > migration_timeout
    assert service['RestartPreventExitStatus'] == '2'   # bad configuration


def test_release_notes_are_reno_notes():
    notes = sorted((ROOT / 'releasenotes' / 'notes').glob('*.yaml'))
    assert notes
    for path in notes:
        assert re.fullmatch(r'[a-z0-9-]+-[0-9a-f]{16}\.yaml', path.name)
        note = yaml.safe_load(path.read_text())
        assert note and set(note) <= RENO_SECTIONS, path.name
        assert all(isinstance(item, str) and item.strip()
                   for items in note.values() for item in items), path.name


def test_docs_and_release_notes_have_tox_environments():
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / 'tox.ini')
    assert '-W' in tox['testenv:docs']['commands']
    assert 'doc/source' in tox['testenv:docs']['commands']
    assert 'releasenotes/source' in tox['testenv:releasenotes']['commands']


def test_every_markdown_page_of_doc_is_in_the_sphinx_docs():
    index = (ROOT / 'doc' / 'source' / 'index.rst').read_text()
    for page in sorted((ROOT / 'doc').glob('*.md')):
        wrapper = ROOT / 'doc' / 'source' / page.name
        assert wrapper.exists(), f'doc/source/{page.name} missing'
        assert f'{{include}} ../{page.name}' in wrapper.read_text()
        assert re.search(rf'^   {page.stem}$', index, re.M), page.stem
