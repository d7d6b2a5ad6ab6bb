"""Adapters for the domain's ports: the SQLite store and its migrations."""
