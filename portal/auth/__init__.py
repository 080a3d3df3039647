"""Sign-in, sign-out and the session rules (Flask-Login)."""
