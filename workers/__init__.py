"""Long-running processes: relay to NATS, projector, scheduler."""
