"""nova_hotspot/scheduler/ runs inside nova-scheduler: it imports nova,
oslo.config and the standard library, and of nova_hotspot only the pure
helpers; never the agent's dependencies (checked on the source, so it
holds where nova is not installed too)."""

import ast
import pathlib
import subprocess
import sys

import nova_hotspot

SCHEDULER = pathlib.Path(nova_hotspot.__file__).parent / 'scheduler'
ALLOWED_LIBRARIES = {'nova', 'oslo_config'}
ALLOWED_UNITS = {'nova_hotspot.core.marks', 'nova_hotspot.scheduler'}


def imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield from (f'{node.module}.{alias.name}' for alias in
                        node.names)


def test_scheduler_plugins_import_only_nova_and_pure_helpers():
    paths = sorted(SCHEDULER.glob('*.py'))
    assert {p.name for p in paths} >= {'filters.py', 'weights.py'}
    bad = []
    for path in paths:
        for name in imports(path):
            top = name.split('.')[0]
            if top == 'nova_hotspot':
                if not any(name == unit or name.startswith(unit + '.')
                           for unit in ALLOWED_UNITS):
                    bad.append(f'{path.name}: {name}')
            elif top not in ALLOWED_LIBRARIES and \
                    top not in sys.stdlib_module_names:
                bad.append(f'{path.name}: {name}')
    assert bad == []


def test_the_pure_helper_they_use_imports_no_library():
    marks = SCHEDULER.parent / 'core' / 'marks.py'
    names = {n.split('.')[0] for n in imports(marks)}
    assert names <= {'nova_hotspot'} | set(sys.stdlib_module_names)


def test_the_trait_names_come_without_numpy_or_a_cloud_library():
    # What nova-scheduler imports of nova_hotspot, in a fresh interpreter.
    code = ('import sys\n'
            'import nova_hotspot.core.marks, nova_hotspot.scheduler.cache\n'
            'print(",".join(sorted(m for m in sys.modules if m.split(".")[0]'
            ' in ("numpy", "openstack", "keystoneauth1", "stevedore", '
            '"futurist", "tooz", "prometheus_client", "oslo_config"))))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == ''
