"""The base of an exchange's refusal: its code, its message and the HTTP status it comes with."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["ExchangeRejection"]


class ExchangeRejection(Exception):
    """A refusal the fake answers in its exchange's error shape with HTTP ``status``."""

    default_status: ClassVar[int] = 400
    """The HTTP status of a refusal unless told otherwise (per exchange)."""

    def __init__(self, code: int, msg: str, status: int | None = None) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg = code, msg
        self.status = self.default_status if status is None else status
