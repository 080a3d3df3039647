"""Thai full-text search: one analyzer for indexing and queries (analyzer.py)."""
