"""Backups: a consistent copy of the database plus the files it names, with checksums.

A backup is one folder:

    manifest.json      what was backed up: portal revision, dialect, rows per table, files
    database.sqlite3   SQLite's online backup (a snapshot taken while the portal runs), or
    database.pgdump    pg_dump in custom format, taken in the snapshot the file list is read in
    uploads/ab/cd/<sha256>   every file a file version names, and no other
    SHA256SUMS         SHA-256 of every file above (`sha256sum -c SHA256SUMS` checks it too)

The search index is not backed up: it is rebuilt from the database after a restore.
`archive.py` creates and verifies, `restore.py` restores, `database.py` holds what differs
between SQLite and PostgreSQL, `cli.py` the `flask backup` commands.
"""


class BackupError(Exception):
    """A backup, check or restore that cannot go on; the message is Thai, for the operator."""
