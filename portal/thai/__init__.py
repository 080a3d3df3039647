"""Thai language helpers: extraction repair, Buddhist-era dates."""
