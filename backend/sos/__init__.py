"""The hidden SOS: devices, durable alert intake, the Twilio relay, acknowledgement and escalation.

Plain service functions (one use case each) that views, Celery tasks and tests call directly; outside
services are reached through ``backend.adapters``. Overview and guarantees: ``docs/sos.md``.
"""
