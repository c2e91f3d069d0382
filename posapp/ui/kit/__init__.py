"""What every screen shares: the Qt event bus, formatting, widgets, resources, the task runner."""
