"""The service layer: use cases (commands) over the domain, the group-commit
writer, and credentials. The api and workers call in here; the domain never
calls out."""
