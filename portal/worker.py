"""Entry point of the background worker: `huey_consumer portal.worker.huey`.

Builds the app the tasks run in (create_app hands portal.tasks to the queue).
"""
from portal import create_app, queue

queue.run_tasks_in(create_app())
huey = queue.huey

__all__ = ["huey"]
