"""Logs never carry phone numbers or locations, even when a message would."""

from __future__ import annotations

import logging

import pytest

from backend.logging_setup import RedactingFilter, redact


@pytest.mark.parametrize("text", ["call +992 90 123 45 67 now", "at 38.5598, 68.7870 exactly",
                                  "number +992901234567"])
def test_phone_numbers_and_coordinates_are_masked(text: str) -> None:
    masked = redact(text)
    assert "123" not in masked.replace("[redacted", "") or "redacted" in masked
    assert "+992" not in masked and "38.5598" not in masked


def test_the_filter_masks_arguments_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent to %s", ("+992901234567",), None)
    RedactingFilter().filter(record)
    assert "+992901234567" not in record.getMessage()


def test_request_id_is_echoed_or_created(client) -> None:  # type: ignore[no-untyped-def]
    given = client.get("/healthz", headers={"X-Request-ID": "abcdef12-3456"})
    assert given.headers["X-Request-ID"] == "abcdef12-3456"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces" and len(made.headers["X-Request-ID"]) == 32


def test_mapping_style_arguments_still_format_and_are_masked() -> None:
    record = logging.LogRecord("celery", logging.INFO, __file__, 1, "Task %(name)s sent to %(to)s",
                               ({"name": "sos.sweep", "to": "+992901234567"},), None)
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert message.startswith("Task sos.sweep sent to") and "+992901234567" not in message


def test_tracebacks_are_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    from backend.logging_setup import configure_logging

    configure_logging("INFO")
    try:
        raise ValueError("The 'To' number +992901234567 is not valid at 38.5598, 68.7870")
    except ValueError:
        logging.getLogger("hushbakht.test").exception("send failed")
    err = capsys.readouterr().err
    assert "send failed" in err and "ValueError" in err
    assert "+992901234567" not in err and "38.5598" not in err


def test_database_errors_do_not_print_bound_values(app) -> None:  # type: ignore[no-untyped-def]
    from backend.extensions import db

    assert all(engine.hide_parameters for engine in db.engines.values())
