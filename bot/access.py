"""Who may decide, trade and look: approvers by role or user id, viewers by role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Access"]


@dataclass(frozen=True, slots=True)
class Access:
    """The approver and viewer lists of the settings."""

    approver_roles: frozenset[int]
    approver_users: frozenset[int]
    viewer_roles: frozenset[int] = frozenset()

    def can_decide(self, user_id: int, role_ids: Iterable[int]) -> bool:
        """Approve, reject, and run the commands that change anything."""
        return user_id in self.approver_users or not self.approver_roles.isdisjoint(role_ids)

    def can_view(self, user_id: int, role_ids: Iterable[int]) -> bool:
        """Run the read-only commands."""
        roles = set(role_ids)
        return self.can_decide(user_id, roles) or not self.viewer_roles.isdisjoint(roles)
