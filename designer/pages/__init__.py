"""One module per page; each exposes `register(engine)` adding its routes."""
