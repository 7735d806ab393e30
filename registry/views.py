"""Owner-facing pages: sign-in, sign-up and "my home". Thin: parse, call one selector or service, render."""

from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError
from registry.forms import LoginForm, SignupForm
from registry.models import CommitteeMember, Compound, Official, OwnersCommittee, Ownership, Unit, User
from registry.permissions import ROLE_FIRM, ROLE_OFFICIAL, ROLE_OWNER, roles
from registry.selectors import message_list_for, message_unread_count, owner_home
from registry.services.accounts import owner_signup
from registry.services.delivery import messages_mark_read
from registry.services.ownership import unit_voter

AREA_SOURCES = (
    ("registered_area", gettext_lazy("登记面积")),
    ("surveyed_area", gettext_lazy("实测面积")),
    ("contract_area", gettext_lazy("合同面积")),
)
ROLE_ORDER = {
    CommitteeMember.Role.DIRECTOR: 0,
    CommitteeMember.Role.DEPUTY: 1,
    CommitteeMember.Role.MEMBER: 2,
}


class OwnerLoginView(LoginView):
    """Django's login page; a django-axes lockout is shown on the form (HTTP 429) instead of a bare text page."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.locked_out:
            # The form already says why; stop AxesMiddleware from replacing this page with its own.
            self.request.axes_locked_out = False
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Owner sign-up by identity matching, for persons and organisations (registry.services.accounts.owner_signup)."""
    if request.user.is_authenticated:
        return redirect("home")
    status = HTTPStatus.OK
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = owner_signup(
                username=data["username"],
                password=data["password1"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                representative=data["representative"],
                ip_address=get_client_ip_address(request),
            )
        except ApplicationError as e:
            form.add_refusal(code=e.code, message=e.message)
            status = HTTPStatus(e.status)
        else:
            if result.pending_verification:
                return render(request, "registration/signup_pending.html", {"result": result})
            login(request, result.user, backend="registry.backends.RoleLoadingBackend")
            messages.success(
                request, _("注册成功，已关联 %(count)d 套房屋。") % {"count": len(result.unit_numbers)}
            )
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=status)


# ------------------------------------------------------------------------------------------- my home


@dataclass
class UnitCard:
    unit: Unit
    area: Decimal | None
    area_source: str
    mine: Ownership
    co_owners: list[Ownership]
    voter_name: str
    is_voter: bool


@dataclass
class CompoundCard:
    compound: Compound
    committee: OwnersCommittee | None
    members: list[CommitteeMember]
    units: list[UnitCard] = field(default_factory=list)


def _area(unit: Unit) -> tuple[Decimal | None, str]:
    # The same order as Unit.voting_area (SPC art. 8), with the name of the source used.
    for name, label in AREA_SOURCES:
        value = getattr(unit, name)
        if value:
            return value, str(label)
    return None, ""


def _unit_card(unit: Unit, *, owner_id: int) -> UnitCard:
    current: list[Ownership] = unit.current_ownerships
    mine = next(o for o in current if o.owner_id == owner_id)
    voter = unit_voter(unit=unit, current=current)
    area, source = _area(unit)
    return UnitCard(
        unit=unit,
        area=area,
        area_source=source,
        mine=mine,
        co_owners=[o for o in current if o.owner_id != owner_id],
        voter_name=voter.name if voter is not None else "",
        is_voter=voter is not None and voter.pk == owner_id,
    )


def _home_cards(units: list[Unit], *, owner_id: int) -> list[CompoundCard]:
    """Group the owner's units by compound, with the compound's current committee."""
    cards: dict[int | None, CompoundCard] = {}
    for unit in units:
        card = cards.get(unit.compound_id)
        if card is None:
            compound = unit.compound
            committees = getattr(compound, "live_committees", []) if compound is not None else []
            committee = committees[0] if committees else None
            members = (
                sorted(committee.members.all(), key=lambda m: (ROLE_ORDER.get(m.role, 9), m.pk))
                if committee
                else []
            )
            card = cards[unit.compound_id] = CompoundCard(
                compound=compound, committee=committee, members=members
            )
        card.units.append(_unit_card(unit, owner_id=owner_id))
    return list(cards.values())


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The owner's home (units, compound, firm, committee); staff accounts are pointed to the admin."""
    user: User = request.user
    user_roles = roles(user)
    context: dict = {"roles": user_roles, "is_owner": ROLE_OWNER in user_roles}
    if ROLE_OWNER in user_roles:
        context["compounds"] = _home_cards(owner_home(user=user), owner_id=user.owner.pk)
    if ROLE_OFFICIAL in user_roles:
        context["official"] = Official.objects.select_related("region__parent").get(user=user)
    if ROLE_FIRM in user_roles:
        context["firm"] = user.firm_staff.firm
    context["staff"] = user.is_staff
    context["unread_messages"] = message_unread_count(user=user)
    template = "registry/home.html" if ROLE_OWNER in user_roles else "registry/staff_home.html"
    return render(request, template, context)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's own in-app messages, newest first; viewing marks the shown ones read."""
    user: User = request.user
    items = message_list_for(user=user)
    unread = {m.pk for m in items if m.read_at is None}
    messages_mark_read(user=user, message_ids=list(unread))
    return render(request, "registry/inbox.html", {"items": items, "unread": unread})
