"""Actuators (stevedore namespace ``nova_hotspot.actuators``): carry out a
validated plan and hold the safety limits, the way the Kubernetes
descheduler's evictor does. ``live_migrate`` moves servers; ``log`` (dry
run) only says what it would do."""
