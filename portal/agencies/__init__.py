"""Agency pages, scoped to the agencies the signed-in user may see."""
