"""The domain: aggregates, value objects and rules. No infrastructure here."""
