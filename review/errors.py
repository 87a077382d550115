"""Errors the domain raises; each message is safe to show to the person or client that caused it."""


class WorkbenchError(Exception):
    """Base class: a refusal with a message that names what is wrong."""


class PermissionDenied(WorkbenchError):
    """The actor's roles do not allow the action; `what` names the action without the actor."""

    def __init__(self, message: str, what: str | None = None) -> None:
        super().__init__(message)
        self.what = what or message


class NotFound(WorkbenchError):
    """The thing asked for does not exist (or is not visible to the actor)."""


class LeaseLost(WorkbenchError):
    """The caller does not hold a live lease on the item (expired, or someone else's)."""


class InvalidRequest(WorkbenchError):
    """The request breaks a rule; `field` names the part at fault when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
