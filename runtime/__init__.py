"""The embedded Statewright runtime."""
