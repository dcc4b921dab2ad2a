"""Pure intake domain: the registration record and its validators (no I/O)."""
