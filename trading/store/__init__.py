"""Persistence: the schema, its migrations and the stores built on them."""
