"""The installed version of nova-hotspot (pbr writes it into the package
metadata from git tags; ``--version`` of both commands prints it)."""

import importlib.metadata

DISTRIBUTION = 'nova-hotspot'


def version_string():
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        # Run from a source tree that was never installed.
        return 'unknown'
