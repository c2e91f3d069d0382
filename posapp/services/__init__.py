"""Use cases: every user action is one unit of work that commits, then announces what changed."""
