"""Evidence files: type by content, safe names, text extraction per page with limits."""
