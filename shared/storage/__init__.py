"""Storage plumbing shared by the services' own stores: SQLite and MongoDB bases."""
