"""nova-hotspot compare and the plan metrics behind it."""

import json
import os

from nova_hotspot import cli
from nova_hotspot import plugins

FIGURE2 = os.path.join(os.path.dirname(__file__), '..', '..', 'examples',
                       'figure2.json')


def test_compare_json_has_a_row_per_registered_strategy(capsys):
    assert cli.main(['compare', '--snapshot', FIGURE2,
                     '--format', 'json']) == 0
    rows = {r['strategy']: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(plugins.names(plugins.STRATEGIES))
    paper = rows['paper']['metrics']
    # The paper's answer {(M1, SV5)}: one move, SV1 cured, nothing broken.
    assert (paper['hot_before'], paper['hot_after'], paper['moves']) == \
        (1, 0, 1)
    assert paper['violations'] == 0 and paper['mis_migrations'] == 0


def test_compare_table_and_unknown_strategy(capsys):
    """An unknown --strategy is bad input (issue 11: it was a table row and
    exit 3 with nothing on stderr): one line on stderr, exit 2, nothing
    compared; the known ones make the table."""
    code = cli.main(['compare', '--snapshot', FIGURE2, '--strategy', 'cure',
                     '--strategy', 'nope'])
    captured = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    assert captured.out == ''
    [line] = captured.err.splitlines()
    assert "--strategy nope: no such strategy (known: cure, " in line
    code = cli.main(['compare', '--snapshot', FIGURE2, '--strategy',
                     'cure'])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split()[:2] == ['strategy', 'plan']
    assert lines[1].startswith('cure')
