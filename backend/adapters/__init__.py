"""Adapters for outside services (Twilio, Firebase), each behind a small interface."""
