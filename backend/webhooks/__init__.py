"""Webhooks called by outside services (Twilio)."""
