"""Oilai Hushbakht backend: the Flask application, its services, adapters and entry points."""
