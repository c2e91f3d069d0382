"""What every system stands on: database, unit of work, settings, errors, audit chain."""
