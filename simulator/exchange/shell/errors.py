"""The shell's own runtime error (not one returned by Exchange), in a module of its own so that
values, arithmetic and limits can all raise it."""

from __future__ import annotations


class ShellRuntimeError(Exception):
    """A runtime error of the shell itself (not one returned by Exchange)."""

    def __init__(
        self,
        message: str,
        error_id: str,
        category: str = "InvalidOperation",
        pos: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.category = category
        self.pos = pos
        self.exception_type = "RuntimeException"
