"""Coverage of checklist items, computed levels and scores, and category 7 results."""
