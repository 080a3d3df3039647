"""Category 7: result metrics per dimension and group, their levels and the reporting rules."""
