"""Staff: users, roles and permissions, log-in with lock-out, the audit log's reads."""
