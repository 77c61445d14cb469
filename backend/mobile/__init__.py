"""The mobile API (``/api/v1``), specified by ``mobile_contract/openapi.yaml``."""
