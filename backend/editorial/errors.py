"""Errors of the editorial services, mapped to problem+json by the staff API and to messages by the
console pages."""

from __future__ import annotations


class EditorialError(Exception):
    """Base class: ``status`` and ``slug`` say how an API answers it."""

    status = 400
    slug = "editorial-error"
    title = "The request cannot be carried out"


class ItemNotFound(EditorialError):
    status = 404
    slug = "item-not-found"
    title = "No such article or ad"


class InvalidInput(EditorialError):
    status = 400
    slug = "validation-error"
    title = "The request is not valid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(EditorialError):
    status = 409
    slug = "editorial-conflict"
    title = "Conflict"


class NotAllowed(EditorialError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for this role"
