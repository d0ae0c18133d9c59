"""The defaults an operator gets agree everywhere they are written: the
option declarations (hence the generated sample), the nova-hotspot
command, the devstack plugin, the nova.conf snippet and the README."""

import pathlib
import re

from oslo_config import generator

from nova_hotspot import cli
from nova_hotspot.conf import hotspot
from nova_hotspot.core import defaults

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = (ROOT / 'etc' / 'nova-hotspot' /
                  'nova-hotspot-config-generator.conf')

EXPECTED = {
    'strategy': defaults.STRATEGY,
    'hot_samples_required': str(defaults.HOT_SAMPLES_REQUIRED),
    'hot_samples_window': str(defaults.HOT_SAMPLES_WINDOW),
    'cpu_threshold': str(defaults.CPU_THRESHOLD),
    'mem_threshold': str(defaults.MEM_THRESHOLD),
}


def ini_values(text, commented=False):
    """``name = value`` lines of an ini text (``#name = value`` lines of a
    generated sample with ``commented``), trailing comments dropped."""
    prefix = '#' if commented else ''
    found = {}
    for line in text.splitlines():
        match = re.match(rf'^{prefix}(\w+) = (\S*)', line)
        if match and match.group(1) in EXPECTED:
            found.setdefault(match.group(1), match.group(2))
    return found


def test_the_operator_defaults_are_the_curing_strategy_and_2_of_3():
    assert (defaults.STRATEGY, defaults.HOT_SAMPLES_REQUIRED,
            defaults.HOT_SAMPLES_WINDOW) == ('cure', 2, 3)


def test_option_declarations_use_the_defaults():
    declared = {opt.dest: opt.default for opt in hotspot.hotspot_opts}
    assert {k: str(declared[k]) for k in EXPECTED} == EXPECTED


def generated_sample(tmp_path):
    """The sample as the project generates it (its generator file)."""
    path = tmp_path / 'nova-hotspot.conf.sample'
    generator.main(['--config-file', str(GENERATOR_CONF),
                    '--output-file', str(path)])
    return path.read_text()


def test_generated_sample_says_the_defaults(tmp_path):
    assert ini_values(generated_sample(tmp_path), commented=True) == EXPECTED


def test_generated_sample_describes_every_choice_and_range(tmp_path):
    sample = generated_sample(tmp_path)
    # Ours are every group but [DEFAULT], which holds oslo.log's options
    # (whose choices are oslo.log's to describe).
    assert '\n[DEFAULT]\n' in '\n' + sample and 'log_file' in sample
    ours = re.split(r'^\[(?!DEFAULT\])', sample, flags=re.M)[1:]
    assert {part.split(']')[0] for part in ours} >= {
        'hotspot', 'coordination', 'hotspot_scheduler'}
    assert all('<No description provided>' not in part for part in ours)
    # Thresholds reject 0, so the sample must not offer it as a minimum.
    for name in ('cpu_threshold', 'mem_threshold'):
        block = sample.split(f'#{name} = ')[0].rsplit('\n\n', 1)[-1]
        block = ' '.join(block.replace('#', ' ').split())
        assert '(fraction in (0, 1])' in block, block
        assert 'Minimum value' not in block, block


def test_nova_hotspot_command_uses_the_defaults():
    args = cli.build_parser().parse_args(['plan', '--snapshot', 'x'])
    assert (args.strategy, str(args.cpu_threshold),
            str(args.mem_threshold)) == (
        EXPECTED['strategy'], EXPECTED['cpu_threshold'],
        EXPECTED['mem_threshold'])


def test_devstack_settings_use_the_defaults():
    text = (ROOT / 'devstack' / 'settings').read_text()
    found = {name: re.search(rf'^NOVA_HOTSPOT_{name.upper()}='
                             rf'\$\{{NOVA_HOTSPOT_{name.upper()}:-([^}}]*)\}}',
                             text, re.M).group(1)
             for name in EXPECTED}
    assert found == EXPECTED
    plugin = (ROOT / 'devstack' / 'plugin.sh').read_text()
    for name in EXPECTED:
        assert f'iniset "$conf" hotspot {name}' in plugin, name


def test_snippet_readme_and_agent_doc_say_the_defaults():
    readme = (ROOT / 'README.md').read_text()
    agent_section = readme.split('## The agent in nova.conf', 1)[1]
    for text in ((ROOT / 'etc' / 'nova-hotspot' /
                  'nova.conf.hotspot-snippet').read_text(),
                 agent_section.split('```ini', 1)[1].split('```', 1)[0],
                 (ROOT / 'doc' / 'agent.md').read_text()):
        assert ini_values(text) == EXPECTED
