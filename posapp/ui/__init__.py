"""The Qt user interface: widgets, dialogs and the Qt event bus."""
