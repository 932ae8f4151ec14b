"""Retention: policies and legal holds (`policies`), archiving and purging what fell due
(`purge`), and the signed record each purge leaves (`records`)."""
