"""Criteria: loading the YAML files, storing them, and the pages that show them."""
