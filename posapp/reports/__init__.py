"""Reports: reportlab renderers that take DTOs (pure report models, then drawing)."""
