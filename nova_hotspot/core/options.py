"""Plugin options declared once: name, type, range, default, help.

A strategy lists its options as ``Option`` records; that declaration
parses what a config file or the command line gives (strings accepted),
makes the one-line errors (``strategy NAME: option X ...``, raised as
``ConfigError``) and the options table of doc/strategies.md
(``markdown_table``, checked by a test).

``parse_assignment`` is the one NAME=VALUE parser, used by the CLI's
``--strategy-option`` and by ``[hotspot] strategy_options``; each caller
reports a bad line through its own channel.
"""

import dataclasses
import math

from nova_hotspot import exceptions

NUMBER = 'number'
INTEGER = 'integer'
CHOICES = 'choices'


@dataclasses.dataclass(frozen=True)
class Option:
    """One option. ``kind`` is NUMBER or INTEGER (in [low, high]) or
    CHOICES: a list of names out of ``choices`` (a mapping name -> value;
    a string is split on commas), parsed into a frozenset of values."""

    name: str
    kind: str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    choices: dict | None = None

    def parse(self, strategy, value):
        """The typed value of ``value``, or ConfigError naming the
        option."""
        if self.kind == CHOICES:
            return self._parse_choices(strategy, value)
        integer = self.kind == INTEGER
        kind = 'an integer' if integer else 'a number'
        if isinstance(value, str):
            try:
                value = int(value) if integer else float(value)
            except ValueError:
                raise self.error(strategy, f'must be {kind}, got '
                                           f'{value!r}') from None
        if isinstance(value, bool) or not isinstance(
                value, int if integer else (int, float)) \
                or not math.isfinite(value) \
                or not self.low <= value <= self.high:
            raise self.error(strategy, f'must be {kind} in [{self.low}, '
                                       f'{self.high}], got {value!r}')
        return value if integer else float(value)

    def _parse_choices(self, strategy, value):
        known = ', '.join(self.choices)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(',') if v.strip()]
        try:
            names = list(value)
        except TypeError:
            raise self.error(strategy, f'must be a list of names ({known}),'
                                       f' got {value!r}') from None
        if not names:
            raise self.error(strategy, f'must name at least one of {known}')
        for name in names:
            if name not in self.choices:
                raise self.error(strategy, f'has unknown value {name!r} '
                                           f'(known: {known})')
        return frozenset(self.choices[n] for n in names)

    def error(self, strategy, problem):
        return exceptions.ConfigError(
            f'strategy {strategy}: option {self.name} {problem}')

    @property
    def shown_default(self):
        """The default as written in a config file."""
        if isinstance(self.default, (tuple, list)):
            return ','.join(self.default)
        return str(self.default)

    @property
    def meaning(self):
        """The help text with the range, as the docs show it."""
        if self.kind in (NUMBER, INTEGER):
            return f'{self.help}, in [{self.low}, {self.high}]'
        return f'{self.help} (of {", ".join(self.choices)})'


def parse_options(strategy, declared, given):
    """``given`` (name -> value, strings allowed) checked against the
    ``declared`` Options of ``strategy``: a dict with every option, its
    default where not given. An unknown name is a ConfigError."""
    by_name = {o.name: o for o in declared}
    for name in given:
        if name not in by_name:
            known = ', '.join(by_name) or 'none'
            raise exceptions.ConfigError(
                f'strategy {strategy}: unknown option {name!r} (known: '
                f'{known})')
    return {o.name: o.parse(strategy, given.get(o.name, o.default))
            for o in declared}


def markdown_table(declared):
    """The options table of doc/strategies.md."""
    lines = ['| option | default | meaning |', '|---|---|---|']
    lines += [f'| `{o.name}` | `{o.shown_default}` | {o.meaning} |'
              for o in declared]
    return '\n'.join(lines)


def parse_assignment(text):
    """``'name=value'`` -> ``('name', 'value')``, both stripped; ValueError
    when there is no ``=`` or the name is not an identifier."""
    name, sep, value = text.partition('=')
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f'expected name=value, got {text!r}')
    return name, value.strip()
