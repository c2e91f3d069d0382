"""The main window's tabs, one module each; later issues replace the placeholders."""
