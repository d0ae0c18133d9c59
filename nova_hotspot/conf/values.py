"""Reading one option's value: the one place where oslo.config's errors
become the project's one-line ``ConfigError`` naming the option.

Used by every module that turns ``[hotspot]`` options into a typed object
(``settings``, ``prometheus``, ``marks``).
"""

from oslo_config import cfg

from nova_hotspot import exceptions

GROUP_NAME = 'hotspot'


def bad(name, problem, group=GROUP_NAME):
    """The ConfigError for option ``name`` of ``group``."""
    return exceptions.ConfigError(f'[{group}] {name}: {problem}')


def read(conf, name, group=GROUP_NAME):
    """``conf[group][name]``, or ConfigError naming the option."""
    try:
        return conf[group][name]
    except cfg.ConfigFileValueError as exc:
        # oslo's message names the file location; keep its last part,
        # which says what is wrong with the value.
        detail = str(exc).rsplit(' is not valid: ', 1)[-1]
        raise bad(name, f'invalid value: {detail}', group) from None
    except (cfg.Error, ValueError) as exc:
        raise bad(name, ' '.join(str(exc).split()), group) from None
