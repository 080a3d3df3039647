"""Administration: agencies, accounts, roles, cycles and the audit log."""
