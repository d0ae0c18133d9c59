"""nova-api (osapi_compute) WSGI entry point for gunicorn.

Nova parses sys.argv with oslo.config while importing; gunicorn's arguments
there make every worker exit and respawn, so reset argv first.  Config files
come from OS_NOVA_CONFIG_DIR / OS_NOVA_CONFIG_FILES.
"""
import sys

sys.argv = sys.argv[:1]

from nova.wsgi.osapi_compute import application  # noqa: E402,F401
