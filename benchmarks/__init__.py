"""posapp's benchmarks: ``make bench`` / ``python -m benchmarks`` (never part of ``make test``)."""
