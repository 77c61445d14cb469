"""The editorial workflow and the moderation gate: plain service functions, Celery tasks and the CLI.

Services take a SQLAlchemy session and an :class:`~backend.editorial.actors.Actor`, do one use case and
commit. Views (console pages, staff API) only parse input, call a service and render the result.
"""
