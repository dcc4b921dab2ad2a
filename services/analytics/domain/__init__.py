"""Pure analytics domain: what each event adds to the read models (no I/O)."""
