"""Exit 0 when the PostgreSQL server at the given URL answers, so `make test` can add a pass."""
import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return 0
    except Exception as error:  # any failure means "not available"
        print(f"PostgreSQL unavailable: {type(error).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
