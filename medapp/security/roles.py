"""Roles and what each may do. Each role can do everything the roles before it can."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("clinician", "reviewer", "admin")
PERMISSIONS = {
    "analyse": "clinician",  # run models, save analyses to cases, view cases
    "review": "reviewer",  # verdicts, final diagnosis, case status
    "admin": "admin",  # users and the audit trail
}


class PermissionDenied(PermissionError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and the role checked against PERMISSIONS."""

    username: str
    role: str

    @classmethod
    def of(cls, user: dict | Actor) -> Actor:
        return user if isinstance(user, Actor) else cls(user["username"], user["role"])


def allowed(role: str, permission: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(PERMISSIONS[permission])


def require(role: str, permission: str) -> None:
    if not allowed(role, permission):
        raise PermissionDenied(f"The {role} role cannot {permission}; it needs the {PERMISSIONS[permission]} role.")
