"""nova-hotspot apply on the minicloud: a plan saved as JSON, reviewed,
then carried out; a move whose target filled up since the plan is refused
with its reason and the other one is made (issue 14 item 6).

Load is made with flavors as in test_agent.py (1000 vCPUs per host,
threshold 0.8: a host is hot above 800)."""

import json

import pytest
from agent_helpers import Flavors
from agent_helpers import write_config
from test_agent import boot
from test_agent import group
from test_agent import host_of

from nova_hotspot import apply
from nova_hotspot import cli
from nova_hotspot.core import words

pytestmark = pytest.mark.minicloud


def test_a_reviewed_plan_is_applied_and_its_stale_move_refused(
        helpers, computes, tmp_path, admin_conn, capsys):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # c1 and c2 hot (901 of 800): a master of 500 each, whose slave is on
    # the other one, and 400 more. Targets c3 and c4 (c5 excluded); the
    # two masters do not fit on one of them.
    _, m1, _ = group(helpers, flavors, [c1, c2], [500, 1], 'ap1')
    _, m2, _ = group(helpers, flavors, [c2, c1], [500, 1], 'ap2')
    boot(helpers, flavors, 400, c1)
    boot(helpers, flavors, 400, c2)
    config = str(write_config(tmp_path / 'nova.conf', helpers.info,
                              excluded_hosts=c5))

    # The operator saves the plan and reviews it.
    assert cli.main(['plan', '--config-file', config, '--strategy', 'paper',
                     '--format', 'json']) == 0
    plan_path = tmp_path / 'plan.json'
    plan_path.write_text(capsys.readouterr().out)
    planned = {m['server']: m for m in
               json.loads(plan_path.read_text())['migrations']}
    assert set(planned) == {m1.id, m2.id}
    assert planned[m1.id]['server_name'] == m1.name
    target1, target2 = planned[m1.id]['target'], planned[m2.id]['target']
    assert {target1, target2} == {c3, c4}

    # A dry run re-checks every move and moves nothing.
    assert cli.main(['apply', str(plan_path), '--config-file', config,
                     '--dry-run']) == apply.EXIT_DONE
    out = capsys.readouterr().out
    assert out.startswith(f'Plan {plan_path}: 2 of 2 moves would be '
                          'carried out (dry run)'), out
    assert host_of(admin_conn, m1) == (c1, 'ACTIVE')

    # Meanwhile m1's target fills up: 400 + m1's 500 would make it hot.
    boot(helpers, flavors, 400, target1)
    code = cli.main(['apply', str(plan_path), '--config-file', config])
    out = capsys.readouterr().out
    assert code == apply.EXIT_SOME_NOT_DONE, out
    lines = out.splitlines()
    assert lines[0] == (f'Plan {plan_path}: 1 of 2 moves carried out, 1 '
                        'refused as stale, 0 not done'), out
    assert f'{words.label(m1.id, m1.name)}: {c1} -> {target1}: stale, ' \
        f"refused: target '{target1}' pushed over its CPU threshold" in out
    assert f'{words.label(m2.id, m2.name)}: {c2} -> {target2}: ' \
        'completed' in out
    assert host_of(admin_conn, m1) == (c1, 'ACTIVE')
    assert host_of(admin_conn, m2) == (target2, 'ACTIVE')
