"""Domain errors. Each refusal carries a stable machine `code` (API.md) and,
where one field is to blame, the name of that field."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. `code` is stable; the message is for people."""

    code = "domain_error"
    status = 409

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class InvalidValue(DomainError):
    """A value that can never be valid (bad check digit, negative money)."""

    code = "invalid_value"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class IllegalTransition(DomainError):
    """The lifecycle does not allow this step from the current status."""

    code = "illegal_transition"

    def __init__(self, what: str, status: str, action: str):
        super().__init__(
            f"{what}当前状态为 {status}，不能执行 {action} (cannot {action} from status {status})"
        )
        self.from_status = status
        self.action = action


class DuplicateCreditCode(DomainError):
    code = "duplicate_credit_code"

    def __init__(self, credit_code: str):
        super().__init__(
            f"统一社会信用代码 {credit_code} 已被其他单位使用 (credit code already registered)",
            field="credit_code",
        )


class DuplicateUsername(DomainError):
    code = "duplicate_username"

    def __init__(self, username: str):
        super().__init__(f"用户名 {username} 已存在 (username taken)", field="username")


class ConcurrentUpdate(DomainError):
    """Optimistic concurrency kept losing; the client may simply retry."""

    code = "concurrent_update"
