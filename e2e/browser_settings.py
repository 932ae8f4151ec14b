"""Paths and settings every browser test shares.

Kept out of `conftest.py` so tests can import them: `pytest tests e2e` loads more than one
`conftest` module, and a plain `from conftest import ...` may find the wrong one.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "designer/components/dist/statewright-canvas.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "e2e-admin-password"
