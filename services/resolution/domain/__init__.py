"""Pure resolution domain: the case, its deadlines and rules (no I/O)."""
