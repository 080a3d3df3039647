"""Password checks that take as long for an unknown account as for a wrong password,
so the time of an answer does not tell which user names exist."""
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from portal.models import User


@cache
def _dummy_hash() -> str:
    # Same method and cost as User.set_password, so the check costs the same.
    return generate_password_hash("no account has this password")


def password_matches(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)
