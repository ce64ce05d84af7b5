"""Maintenance tools of the project (generated docs)."""
