"""Entry point of the background worker: `huey_consumer portal.worker.huey`.

Importing the tasks registers them with the queue; the worker builds its own app
(portal.jobs) the first time a task needs the database.
"""
from portal.jobs import huey  # noqa: F401

__all__ = ["huey"]
