"""Read models: one module per view, the runner, and the storage backends.
Which views the platform keeps is each context's declaration (qihui.contexts)."""
