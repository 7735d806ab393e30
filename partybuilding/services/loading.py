"""Loading organisations and members from a district's JSON document (partybuilding.md, "Loading";
`manage.py load_party`). The whole document is checked first — every error with its location, such as
`organisations[1].parent: unknown code "X"` — and nothing is saved when there is any; otherwise it is applied
in one transaction, idempotent by organisation `code` and member `username`, with an audit row for every
organisation and member created or changed."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from partybuilding.labels import OrganisationKind, PostBody, ShowField
from partybuilding.models import Member, Organisation, Post, Volunteer
from registry.models import Compound, Firm, Region, User
from registry.services.audit import audit_record


class PartyDocumentInvalid(ApplicationError):
    """The document was refused as a whole; `extra["errors"]` lists every problem with its location."""


@dataclass
class LoadReport:
    """What a load created, changed and left as it was, per kind."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        kinds = ("organisations", "members")
        return ", ".join(f"{k}: +{self.created[k]} ~{self.updated[k]} ={self.unchanged[k]}" for k in kinds)


@dataclass
class _Lookups:
    """The registry rows the document names, fetched once each (a query per kind, not per line)."""

    firms: dict[str, Firm]
    compounds: dict[str, Compound]
    regions: dict[str, Region]
    users: dict[str, User]
    organisations: dict[str, Organisation]


COVERS = ("firm", "compound", "community", "street")
# What each kind is attached to (industry committees, city or district level, may name any of the four).
KIND_COVERS = {
    OrganisationKind.STREET_ALLIANCE: "street",
    OrganisationKind.COMMUNITY_COMMITTEE: "community",
    OrganisationKind.FIRM_ORGANISATION: "firm",
    OrganisationKind.PROJECT_BRANCH: "compound",
    OrganisationKind.COMPOUND_BRANCH: "compound",
    OrganisationKind.BUILDING_GROUP: "compound",
}


def _names(doc: dict[str, Any]) -> _Lookups:
    orgs = [o for o in doc.get("organisations") or [] if isinstance(o, dict)]
    members = [m for m in doc.get("members") or [] if isinstance(m, dict)]
    firms, compounds, regions, users, codes = set(), set(), set(), set(), set()
    for o in orgs:
        covers = o.get("covers") if isinstance(o.get("covers"), dict) else {}
        firms.add(str(covers.get("firm")))
        compounds.add(str(covers.get("compound")))
        regions |= {str(covers.get("community")), str(covers.get("street"))}
        users.add(str(o.get("secretary")))
        codes.add(str(o.get("parent")))
    for m in members:
        users.add(str(m.get("username")))
        codes.add(str(m.get("organisation")))
        regions.add(str(m.get("registered_community")))
        for p in m.get("posts") or [] if isinstance(m.get("posts"), list) else []:
            if isinstance(p, dict):
                compounds.add(str(p.get("compound")))
                firms.add(str(p.get("firm")))
                regions.add(str(p.get("community")))
        volunteer = m.get("volunteer")
        if isinstance(volunteer, dict) and isinstance(volunteer.get("compounds"), list):
            compounds |= {str(c) for c in volunteer["compounds"]}
    return _Lookups(
        firms={f.uscc: f for f in Firm.objects.filter(uscc__in=firms)},
        compounds={
            c.code: c for c in Compound.objects.filter(code__in=compounds).select_related("community")
        },
        regions={r.code: r for r in Region.objects.filter(code__in=regions)},
        users={
            u.username: u
            for u in User.objects.filter(username__in=users).select_related("owner", "firm_staff", "official")
        },
        organisations={
            o.code: o
            for o in Organisation.objects.filter(code__in=codes | {str(o.get("code")) for o in orgs})
        },
    )


def _text(value: Any, *, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= limit


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _validate(doc: Any, names: _Lookups | None) -> list[str]:
    """Every problem of the document, each as `<location>: <what is wrong>`."""
    if not isinstance(doc, dict):
        return ['document: expected an object with "organisations" and "members"']
    errors: list[str] = []
    orgs = doc.get("organisations", [])
    members = doc.get("members", [])
    for key, value in (("organisations", orgs), ("members", members)):
        if not isinstance(value, list):
            errors.append(f"{key}: expected a list")
    if errors or names is None:
        return errors
    doc_codes: dict[str, int] = {}
    parents: dict[str, str] = {}
    for i, o in enumerate(orgs):
        at = f"organisations[{i}]"
        if not isinstance(o, dict):
            errors.append(f"{at}: expected an object")
            continue
        code = o.get("code")
        if not _text(code, limit=40):
            errors.append(f"{at}.code: required, at most 40 characters")
        elif code in doc_codes:
            errors.append(f'{at}.code: "{code}" already given at organisations[{doc_codes[code]}]')
        else:
            doc_codes[code] = i
        if not _text(o.get("name"), limit=128):
            errors.append(f"{at}.name: required, at most 128 characters")
        if o.get("kind") not in OrganisationKind.values:
            errors.append(f'{at}.kind: unknown kind "{o.get("kind")}"')
        covers_errors = _covers_errors(at, o.get("covers"), names)
        errors += covers_errors
        expected = KIND_COVERS.get(o.get("kind"))
        if not covers_errors and expected is not None and next(iter(o["covers"])) != expected:
            errors.append(f"{at}.covers: a {o['kind']} covers a {expected}")
        secretary = o.get("secretary")
        if secretary is not None and str(secretary) not in names.users:
            errors.append(f'{at}.secretary: unknown username "{secretary}"')
        parent = o.get("parent")
        if parent is not None and isinstance(code, str):
            parents[code] = str(parent)
    for i, o in enumerate(orgs):
        if not isinstance(o, dict) or o.get("parent") is None:
            continue
        parent = str(o["parent"])
        if parent not in doc_codes and parent not in names.organisations:
            errors.append(f'organisations[{i}].parent: unknown code "{parent}"')
        elif _cycle(str(o.get("code")), parents, names):
            errors.append(f'organisations[{i}].parent: "{parent}" would make a cycle')
    seen_users: dict[str, int] = {}
    for i, m in enumerate(members):
        at = f"members[{i}]"
        if not isinstance(m, dict):
            errors.append(f"{at}: expected an object")
            continue
        errors += _member_errors(at, m, names, doc_codes, seen_users, i)
    return errors


def _cycle(code: str, parents: dict[str, str], names: _Lookups) -> bool:
    """Whether following parents from `code` (the document's first, then the stored ones) comes back to it."""
    seen, current = {code}, parents.get(code)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        stored = names.organisations.get(current)
        if current in parents:
            current = parents[current]
        elif stored is not None and stored.parent_id is not None:
            current = Organisation.objects.filter(pk=stored.parent_id).values_list("code", flat=True).first()
        else:
            current = None
    return False


def _covers_errors(at: str, covers: Any, names: _Lookups) -> list[str]:
    if not isinstance(covers, dict) or len(covers) != 1 or next(iter(covers)) not in COVERS:
        return [f"{at}.covers: name exactly one of firm, compound, community, street"]
    key, value = next(iter(covers.items()))
    value = str(value)
    if key == "firm" and value not in names.firms:
        return [f'{at}.covers.firm: unknown credit code "{value}"']
    if key == "compound" and value not in names.compounds:
        return [f'{at}.covers.compound: unknown compound "{value}"']
    if key in ("community", "street"):
        region = names.regions.get(value)
        if region is None or region.level != key:
            return [f'{at}.covers.{key}: unknown {key} "{value}"']
    return []


def _member_errors(
    at: str, m: dict, names: _Lookups, doc_codes: dict[str, int], seen: dict[str, int], i: int
) -> list[str]:
    errors = []
    username = m.get("username")
    if not isinstance(username, str) or username not in names.users:
        errors.append(f'{at}.username: unknown username "{username}"')
    elif username in seen:
        errors.append(f'{at}.username: "{username}" already given at members[{seen[username]}]')
    else:
        seen[username] = i
        if not _is_registry_person(names.users[username]):
            errors.append(f'{at}.username: "{username}" is not an owner, firm staff member or official')
    organisation = m.get("organisation")
    if str(organisation) not in doc_codes and str(organisation) not in names.organisations:
        errors.append(f'{at}.organisation: unknown code "{organisation}"')
    if m.get("joined") is not None and _date(m.get("joined")) is None:
        errors.append(f'{at}.joined: not a date (YYYY-MM-DD): "{m.get("joined")}"')
    community = m.get("registered_community")
    if community is not None:
        region = names.regions.get(str(community))
        if region is None or region.level != Region.Level.COMMUNITY:
            errors.append(f'{at}.registered_community: unknown community "{community}"')
    posts = m.get("posts", [])
    if not isinstance(posts, list):
        errors.append(f"{at}.posts: expected a list")
        posts = []
    for j, p in enumerate(posts):
        errors += _post_errors(f"{at}.posts[{j}]", p, names)
    volunteer = m.get("volunteer")
    if volunteer is not None:
        errors += _volunteer_errors(f"{at}.volunteer", volunteer, names)
    return errors


def _is_registry_person(user: User) -> bool:
    return any(getattr(user, relation, None) is not None for relation in ("owner", "firm_staff", "official"))


POST_TARGET = {PostBody.COMMITTEE: "compound", PostBody.FIRM: "firm", PostBody.COMMUNITY: "community"}


def _post_errors(at: str, p: Any, names: _Lookups) -> list[str]:
    if not isinstance(p, dict):
        return [f"{at}: expected an object"]
    errors = []
    body = p.get("body")
    if body not in PostBody.values:
        errors.append(f'{at}.body: unknown body "{body}"')
    else:
        key = POST_TARGET[PostBody(body)]
        value = str(p.get(key))
        known = {
            "compound": value in names.compounds,
            "firm": value in names.firms,
            "community": value in names.regions and names.regions[value].level == Region.Level.COMMUNITY,
        }[key]
        if not known:
            errors.append(f'{at}.{key}: unknown {key} "{p.get(key)}"')
    if not _text(p.get("title"), limit=64):
        errors.append(f"{at}.title: required, at most 64 characters")
    return errors


def _volunteer_errors(at: str, v: Any, names: _Lookups) -> list[str]:
    if not isinstance(v, dict):
        return [f"{at}: expected an object"]
    errors = []
    compounds = v.get("compounds")
    if not isinstance(compounds, list) or not compounds:
        errors.append(f"{at}.compounds: a non-empty list of compound codes")
    else:
        errors += [
            f'{at}.compounds[{k}]: unknown compound "{c}"'
            for k, c in enumerate(compounds)
            if str(c) not in names.compounds
        ]
    show = v.get("show", [])
    if not isinstance(show, list):
        errors.append(f"{at}.show: expected a list")
    else:
        errors += [
            f'{at}.show[{k}]: "{s}" cannot be shown (only {", ".join(ShowField.values)})'
            for k, s in enumerate(show)
            if s not in ShowField.values
        ]
    skills = v.get("skills", "")
    if not isinstance(skills, str) or len(skills) > 200:
        errors.append(f"{at}.skills: text of at most 200 characters")
    return errors


# ------------------------------------------------------------------------------------------- applying


def _area(org: Organisation) -> Region | None:
    """The region whose officials oversee the organisation."""
    if org.compound_id is not None:
        return org.compound.community
    if org.community_id is not None:
        return org.community
    if org.street_id is not None:
        return org.street
    return org.parent.area if org.parent is not None else None


def _ordered(orgs: list[dict]) -> list[dict]:
    """Parents before children (the document may list them in any order; cycles were refused)."""
    by_code = {o["code"]: o for o in orgs}
    done: set[str] = set()
    out: list[dict] = []

    def visit(o: dict) -> None:
        if o["code"] in done:
            return
        parent = by_code.get(o.get("parent"))
        if parent is not None:
            visit(parent)
        done.add(o["code"])
        out.append(o)

    for o in orgs:
        visit(o)
    return out


def _changed(obj: Any, values: dict[str, Any]) -> bool:
    return any(getattr(obj, k) != v for k, v in values.items())


def _save(model: Any, obj: Any, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    """Create, update or leave the row; returns it and "created", "updated" or "unchanged"."""
    if obj is None:
        return model.objects.create(**lookup, **values), "created"
    if not _changed(obj, values):
        return obj, "unchanged"
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save()
    return obj, "updated"


def _apply_org(o: dict, names: _Lookups, report: LoadReport, actor: User | None) -> None:
    ((key, value),) = o["covers"].items()
    covered = {
        "firm": names.firms.get(str(value)) if key == "firm" else None,
        "compound": names.compounds.get(str(value)) if key == "compound" else None,
        "community": names.regions.get(str(value)) if key == "community" else None,
        "street": names.regions.get(str(value)) if key == "street" else None,
    }
    parent = names.organisations.get(o["parent"]) if o.get("parent") is not None else None
    values = {
        "name": o["name"].strip(),
        "kind": o["kind"],
        "parent": parent,
        **covered,
        "secretary": names.users.get(o["secretary"]) if o.get("secretary") is not None else None,
    }
    probe = Organisation(**values)
    values["area"] = _area(probe)
    org, outcome = _save(Organisation, names.organisations.get(o["code"]), {"code": o["code"]}, values)
    names.organisations[org.code] = org
    getattr(report, outcome)["organisations"] += 1
    if outcome != "unchanged":
        audit_record(
            actor=actor,
            verb=f"party.organisation.{'create' if outcome == 'created' else 'update'}",
            target=org,
            data={"code": org.code, "kind": org.kind, "source": "load_party"},
            compound_id=org.compound_id,
        )


def _posts(m: dict, names: _Lookups) -> list[tuple]:
    rows = []
    for p in m.get("posts") or []:
        key = POST_TARGET[PostBody(p["body"])]
        target = {"compound": names.compounds, "firm": names.firms, "community": names.regions}[key][
            str(p[key])
        ]
        rows.append((p["body"], key, target.pk, p["title"].strip()))
    return sorted(rows)


def _stored_posts(member: Member) -> list[tuple]:
    rows = []
    for p in member.posts.all():
        key = POST_TARGET[PostBody(p.body)]
        rows.append((p.body, key, getattr(p, f"{key}_id"), p.title))
    return sorted(rows)


def _apply_volunteer(member: Member, v: dict | None, names: _Lookups) -> bool:
    """Bring the member's volunteering in line with the document (absent: no longer active); True if changed."""
    stored = Volunteer.objects.filter(member=member).first()
    if v is None:
        if stored is None or not stored.active:
            return False
        stored.active = False
        stored.save(update_fields=["active"])
        return True
    values = {
        "show": list(dict.fromkeys(v.get("show", []))),
        "skills": v.get("skills", "").strip(),
        "active": True,
    }
    compounds = {names.compounds[str(c)].pk for c in v["compounds"]}
    volunteer, outcome = _save(Volunteer, stored, {"member": member}, values)
    if set(volunteer.compounds.values_list("pk", flat=True)) != compounds:
        volunteer.compounds.set(compounds)
        return True
    return outcome != "unchanged"


def _apply_member(m: dict, names: _Lookups, report: LoadReport, actor: User | None) -> None:
    user = names.users[m["username"]]
    community = m.get("registered_community")
    values = {
        "organisation": names.organisations[str(m["organisation"])],
        "joined": _date(m.get("joined")),
        "registered_community": names.regions[str(community)] if community is not None else None,
    }
    member, outcome = _save(Member, Member.objects.filter(user=user).first(), {"user": user}, values)
    posts = _posts(m, names)
    if _stored_posts(member) != posts:
        member.posts.all().delete()
        Post.objects.bulk_create(
            Post(member=member, body=body, title=title, **{f"{key}_id": pk}) for body, key, pk, title in posts
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    if _apply_volunteer(member, m.get("volunteer"), names) and outcome == "unchanged":
        outcome = "updated"
    getattr(report, outcome)["members"] += 1
    if outcome != "unchanged":
        audit_record(
            actor=actor,
            verb=f"party.member.{'create' if outcome == 'created' else 'update'}",
            target=member,
            data={"organisation": member.organisation.code, "posts": len(posts), "source": "load_party"},
        )


def party_document_load(*, doc: Any, actor: User | None = None) -> LoadReport:
    """Check the whole document, then create or update its organisations and members (posts and volunteering
    replaced by the document's) in one transaction, with an audit row per organisation or member changed.
    Refuses everything with `party_document_invalid` and every error's location when anything is wrong."""
    errors = _validate(doc, None)
    names = _names(doc) if not errors else None
    errors = errors or _validate(doc, names)
    if errors:
        raise PartyDocumentInvalid(
            _("党建名册有 %(n)s 处错误，未导入任何内容。") % {"n": len(errors)},
            code="party_document_invalid",
            extra={"errors": errors},
        )
    assert names is not None
    report = LoadReport()
    with transaction.atomic():
        for o in _ordered(doc.get("organisations", [])):
            _apply_org(o, names, report, actor)
        for m in doc.get("members", []):
            _apply_member(m, names, report, actor)
    return report
