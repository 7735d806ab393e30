"""Who may run, see and vote in an assembly."""

from registry.models import Compound, User
from registry.permissions import can_designate_voter

VIEW_CHOICES = "voting.view_individual_choices"


def can_run_assembly(*, user: User, compound: Compound) -> bool:
    """The street office over the compound (officials of its street, district or city) convenes and runs it."""
    return can_designate_voter(user=user, compound=compound)


def can_view_choices(*, user: User, compound: Compound) -> bool:
    """Individual choices: only the voter (elsewhere) and, access-logged, officials running the assembly."""
    return can_run_assembly(user=user, compound=compound)
