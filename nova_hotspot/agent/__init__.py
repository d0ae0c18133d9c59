"""The agent: collect a live cloud into a core snapshot, detect, plan,
validate and hand the plan to an actuator, periodically."""
