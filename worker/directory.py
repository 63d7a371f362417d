"""Who the members are: lookups from an address to the member it belongs to."""
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberRef:
    id: int
    name: str
    emails: frozenset[str]
    domains: frozenset[str]


@dataclass(frozen=True)
class Directory:
    members: tuple[MemberRef, ...] = ()

    def member_of(self, email: str) -> MemberRef | None:
        email = email.lower()
        for member in self.members:
            if email in member.emails:
                return member
        domain = email.rpartition("@")[2]
        for member in self.members:
            if domain in member.domains:
                return member
        return None
