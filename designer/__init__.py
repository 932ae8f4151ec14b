"""The Statewright web app (NiceGUI)."""
