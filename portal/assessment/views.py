"""The assessment pages (one module per part of the work, each importing bp from the area)."""
