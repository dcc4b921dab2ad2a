"""HTTP plumbing shared by the services: problem documents, health, metrics."""
