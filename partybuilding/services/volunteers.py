"""Find a party member (有事找党员): an owner's request to a volunteer and the replies in its thread, each
delivered in-app through registry's delivery service once the write commits — never with a phone number."""

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden
from partybuilding.models import RequestReply, Volunteer, VolunteerRequest
from partybuilding.permissions import may_request_volunteer
from registry.models import Compound, User
from registry.services.audit import audit_record
from registry.services.delivery import deliver


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("请填写内容。"), code="invalid", extra={"field": "text"})
    return text


def volunteer_request_send(
    *, actor: User, volunteer: Volunteer, compound: Compound, text: str
) -> VolunteerRequest:
    """An owner of the compound asks a volunteer serving it for help; writes the request and an audit row, then
    (on commit) delivers an in-app message to the member. 403 unless the actor owns a flat in the compound."""
    if not may_request_volunteer(user=actor, compound=compound):
        raise Forbidden(_("只有本小区业主可以向志愿党员求助。"), code="forbidden")
    text = _text(text)
    with transaction.atomic():
        request = VolunteerRequest.objects.create(
            volunteer=volunteer, compound=compound, requester=actor, text=text
        )
        audit_record(
            actor=actor,
            verb="party.request.send",
            target=request,
            compound_id=compound.pk,
            data={"volunteer": volunteer.pk},
        )
        member_user = volunteer.member.user
        transaction.on_commit(
            lambda: deliver(
                user=member_user,
                title=_("%(compound)s 有居民向您求助") % {"compound": compound.name},
                body=text,
                key=f"party.request.{request.pk}",
                link=f"/party/requests/{request.pk}/",
            )
        )
    return request


def request_reply(*, actor: User, request: VolunteerRequest, text: str) -> RequestReply:
    """The member or the requester adds to the thread of a request they see; writes the reply and an audit row,
    then (on commit) delivers it in-app to the other side."""
    member_user = request.volunteer.member.user
    if actor.pk not in (member_user.pk, request.requester_id):
        raise Forbidden(_("只有求助人和志愿党员可以回复。"), code="forbidden")
    text = _text(text)
    other = request.requester if actor.pk == member_user.pk else member_user
    with transaction.atomic():
        reply = RequestReply.objects.create(request=request, author=actor, text=text)
        audit_record(actor=actor, verb="party.request.reply", target=reply, compound_id=request.compound_id)
        transaction.on_commit(
            lambda: deliver(
                user=other,
                title=_("您的求助有新回复"),
                body=text,
                key=f"party.reply.{reply.pk}",
                link=f"/party/requests/{request.pk}/",
            )
        )
    return reply
