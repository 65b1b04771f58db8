"""The composition root: settings, wiring, the `qihui` command."""
