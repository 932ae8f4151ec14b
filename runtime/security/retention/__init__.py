"""Retention: policies and legal holds, archiving finished instances, purging them with a
signed record (`records`)."""
