"""The REST API: `create_app(engine)` builds the FastAPI app (REST under /api/v1)."""

from runtime.api.app import create_app

__all__ = ["create_app"]
