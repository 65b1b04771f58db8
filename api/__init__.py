"""The HTTP API (Litestar + msgspec): routes per context, auth, errors."""
