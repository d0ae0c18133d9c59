"""Usage sources (stevedore namespace ``nova_hotspot.usage``): how much CPU
and memory each server uses. The core never knows where the numbers came
from; a source only maps them onto the snapshot's ``cpu`` (busy
vCPU-equivalents) and ``mem`` (MB)."""
