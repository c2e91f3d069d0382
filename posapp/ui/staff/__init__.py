"""Staff screens: log-in, the lock screen, approvals, the users tab and the audit log."""
