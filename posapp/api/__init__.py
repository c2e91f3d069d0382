"""The HTTP JSON API (``posapp serve``): an edge over ``Backend``, like the UI and the CLI.

See docs/API.md. It imports service faces and DTOs only, never SQLAlchemy or the models.
"""

from posapp.api.app import ApiConfig, create_app

__all__ = ["ApiConfig", "create_app"]
