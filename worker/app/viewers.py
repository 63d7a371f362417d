"""Who may see what: a member their own referrals, partners and ledger; a coordinator the group's.
One rule for `report --as` and the dashboard."""
from worker.core.config import Config, MemberConfig
from worker.ledger import balance as ledger


class NotAllowed(Exception):
    pass


def member_named(config: Config, who: str) -> MemberConfig | None:
    """The configured member `who` (a name or an address, any case) names, if any."""
    return next((m for m in config.settings.members if ledger.names(who, m)), None)


def scope(config: Config, viewer: str | None, member: str | None, group: bool) -> str | None:
    """Which member's ledger the viewer may see: their own, or anyone's for a coordinator (None: all)."""
    if viewer is None:
        return member  # the operator at the command line sees everything
    found = member_named(config, viewer)
    if found is None:
        raise NotAllowed(f"--as {viewer}: no member by that name or address in {config.path}")
    if found.coordinator:
        return member
    if group or (member and not ledger.names(member, found)):
        raise NotAllowed(f"{found.name} is not a coordinator: a member sees only their own ledger "
                         f"(set coordinator: true for them in {config.path} to show the group's)")
    return found.name
