"""Access contract of the notices context: every signed-in account has its own inbox and
notice settings; nobody reads or marks another's (tests/test_notices.py tries)."""

SIGNED_IN = {"staff", "auditor", "reviewer", "member", "other_member"}

ACCESS = {
    ("GET", "/api/v1/inbox"): SIGNED_IN,
    ("POST", "/api/v1/inbox/read"): SIGNED_IN,
    ("GET", "/api/v1/inbox/preferences"): SIGNED_IN,
    ("POST", "/api/v1/inbox/{id:str}/read"): SIGNED_IN,
    ("PUT", "/api/v1/me/notice-preferences"): SIGNED_IN,
    ("POST", "/api/v1/inbox/preferences"): SIGNED_IN,
    ("POST", "/api/v1/inbox/contact"): SIGNED_IN,
}
PAGE_ACCESS = {
    ("GET", "/portal/inbox"): SIGNED_IN,  # each its own
    ("POST", "/portal/inbox/read"): SIGNED_IN,
}
