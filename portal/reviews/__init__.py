"""Reviews: comment threads on an agency's checklist items and each item's review status."""
