"""PostgreSQL reliability suites: registers as separate processes, and a server that goes away."""
