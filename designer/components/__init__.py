"""Reusable NiceGUI elements of the designer."""
