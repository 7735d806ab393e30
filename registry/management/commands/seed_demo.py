"""`manage.py seed_demo [--units 600] [--dir .run/demo]`: a ready-to-use demo district, idempotently.

Generates the demo files when missing, loads them through the real import paths (master data, then the
registration feed), then creates demo logins, a filed owners' committee, a few maintenance records and about a
month of complaints (complaints.demo) and a year of disclosures (disclosure.demo) through the real services. Running it again changes nothing and prints the same logins.
"""

import datetime as dt
import json
import sys
import time
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry.demo import (
    DEFAULT_DISTRICT,
    DEFAULT_SEED,
    FEED_FILE,
    MASTER_FILE,
    SHOWCASE_JOINT,
    SHOWCASE_MULTI,
    SHOWCASE_SOLE,
    DemoPlan,
    demo_person,
    generate_demo,
    read_demo_params,
)
from registry.models import (
    CommitteeMember,
    Compound,
    Equipment,
    MaintenanceRecord,
    Owner,
    OwnersCommittee,
    Region,
    SyncCursor,
    User,
)
from registry.personal_data import identity_digest
from registry.selectors import owner_home
from registry.services.accounts import firm_user_create, official_create, owner_signup
from registry.services.committees import owners_committee_file
from registry.services.equipment import maintenance_record_add
from registry.services.places import master_data_load
from registry.services.registration import SyncReport, registration_feed_apply

DEMO_PASSWORD = "Gongzhi-demo-2026"
# Pinyin usernames for the default district; other districts get codes.
OFFICIAL_USERNAMES = {"370212001": "official_zhonghan", "370212": "official_laoshan"}
FIRM_USERNAME = "firm_demo"
OWNERS = (
    ("owner_demo1", SHOWCASE_SOLE, "owner (sole)"),
    ("owner_demo2", SHOWCASE_JOINT, "owner (joint co-owner)"),
    ("owner_demo3", SHOWCASE_MULTI, "owner (several units)"),
)
COMMITTEE_TERM = (dt.date(2024, 3, 1), dt.date(2029, 2, 28), dt.date(2024, 3, 20))


class Command(BaseCommand):
    help = "Generate (if missing) and load a demo district, with demo logins, a committee and maintenance records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=600)
        parser.add_argument("--dir", type=Path, default=Path(".run/demo"))
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--district", default=DEFAULT_DISTRICT)
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(
        self, *args, units: int, dir: Path, seed: int, district: str, batch_size: int, **options
    ) -> None:
        master, feed = dir / MASTER_FILE, dir / FEED_FILE
        try:
            plan = DemoPlan(units=units, seed=seed, district=district)
        except ValueError as e:
            raise CommandError(str(e)) from e
        wanted = {"seed": seed, "units": units, "district": district}
        if master.exists() and feed.exists():
            try:
                params = read_demo_params(master)
            except (ValueError, KeyError) as e:
                raise CommandError(
                    f"{master} is not a file of the demo generator; delete it or pass another --dir"
                ) from e
            if {k: params[k] for k in wanted} != wanted:
                raise CommandError(
                    f"{dir} holds a demo of {params['units']} units (seed {params['seed']}, district "
                    f"{params['district']}); pass another --dir (and use a fresh database) or delete {dir}."
                )
            self.stdout.write(f"demo files: {dir} (generated {params['as_of']})")
        else:
            try:
                counts = generate_demo(out_dir=dir, units=units, seed=seed, district=district)
            except ValueError as e:
                raise CommandError(str(e)) from e
            self.stdout.write(
                f"demo files: {dir} ({counts.compounds} compounds, {counts.units} units, {counts.owners} owners, "
                f"{counts.seconds:.1f}s)"
            )
        source = f"demo:{district}:seed={seed}:units={units}"
        other = SyncCursor.objects.filter(source__startswith="demo:").exclude(source=source).first()
        if other is not None:
            raise CommandError(
                f"this database already holds another demo ({other.source}); use a fresh database."
            )

        self._load(master=master, feed=feed, source=source, batch_size=batch_size)
        compound = Compound.objects.select_related("community__parent", "property_firm").get(
            code=plan.compound_code(0)
        )
        street = compound.community.parent
        try:
            street_official = self._official(street.code, title=f"{street.name}办事处")
            district_official = self._official(district, title=f"{plan.district['name']}住房和城乡建设局")
            firm_user = self._firm_user(compound)
            owners = [self._owner(username, seed=seed, k=k) for username, k, _label in OWNERS]
            self._committee(
                compound=compound, actor=street_official, seed=seed, district_name=plan.district["name"]
            )
            self._maintenance(compound=compound, actor=firm_user)
            self._complaints(seed=seed, district=district, owners=owners, firm_user=firm_user)
            self._disclosure(seed=seed, district=district, owners=owners, firm_user=firm_user)
            self._party(compound=compound, owners=owners, firm_user=firm_user, official=street_official)
            self._overview()
        except ApplicationError as e:
            raise CommandError(f"{e.code}: {e.message}") from e

        district_name = Region.objects.get(code=district).name
        rows = [
            (f"official ({street.name})", street_official.username, ""),
            (f"official ({district_name})", district_official.username, ""),
            (f"firm ({compound.property_firm.name})", firm_user.username, ""),
        ]
        for (username, _k, label), user in zip(OWNERS, owners, strict=True):
            rows.append((label, username, "、".join(self._describe(u) for u in owner_home(user=user))))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        width = max(_display_width(label) for label, _u, _w in rows)
        for label, username, where in rows:
            pad = " " * (width - _display_width(label))
            self.stdout.write((f"  {label}{pad}  {username:<18}" + (f" — {where}" if where else "")).rstrip())

    # ------------------------------------------------------------------------------------- loading

    def _load(self, *, master: Path, feed: Path, source: str, batch_size: int) -> None:
        report = master_data_load(doc=json.loads(master.read_text(encoding="utf-8")), source=str(master))
        self.stdout.write(f"master data: {report.summary()}")
        tty = sys.stdout.isatty()

        def progress(r: SyncReport) -> None:
            line = (
                f"feed: {r.total:,} events — applied {r.applied:,}, skipped {r.skipped:,}, "
                f"quarantined {r.quarantined:,} ({r.rate:,.0f}/s)"
            )
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
            self.stdout.flush()

        def lines() -> Iterator[str]:
            with feed.open(encoding="utf-8") as f:
                yield from f

        result = registration_feed_apply(
            lines=lines(), source=source, batch_size=batch_size, progress=progress
        )
        if tty:
            self.stdout.write("")
        self.stdout.write(
            f"feed: applied {result.applied:,}, skipped as already seen {result.skipped:,}, "
            f"quarantined {result.quarantined:,} in {result.seconds:.1f}s"
        )
        if result.quarantined:
            self.stdout.write(self.style.WARNING(f"quarantined: {result.quarantine_codes}"))

    # ------------------------------------------------------------------------------------- logins

    def _official(self, region_code: str, *, title: str) -> User:
        username = OFFICIAL_USERNAMES.get(region_code, f"official_{region_code}")
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        return official_create(
            username=username, password=DEMO_PASSWORD, region_code=region_code, title=title
        ).user

    def _firm_user(self, compound: Compound) -> User:
        existing = User.objects.filter(username=FIRM_USERNAME).first()
        if existing is not None:
            return existing
        return firm_user_create(
            username=FIRM_USERNAME, password=DEMO_PASSWORD, firm_uscc=compound.property_firm.uscc
        ).user

    def _owner(self, username: str, *, seed: int, k: int) -> User:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        person = demo_person(seed=seed, k=k)
        return owner_signup(
            username=username,
            password=DEMO_PASSWORD,
            name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            ip_address=None,
        ).user

    # ------------------------------------------------------------------------------------- committee, log

    def _committee(self, *, compound: Compound, actor: User, seed: int, district_name: str) -> None:
        starts, ends, filed = COMMITTEE_TERM
        if OwnersCommittee.objects.filter(compound=compound, term_starts_on=starts).exists():
            return
        showcase = [_demo_owner(seed=seed, k=k) for k in (SHOWCASE_JOINT, SHOWCASE_SOLE, SHOWCASE_MULTI)]
        others = (
            Owner.objects.filter(
                holder_type=Owner.HolderType.PERSON,
                ownerships__unit__compound=compound,
                ownerships__valid_to__isnull=True,
            )
            .exclude(pk__in=[o.pk for o in showcase])
            .distinct()
            .order_by("pk")[:2]
        )
        roles = [CommitteeMember.Role.DIRECTOR, CommitteeMember.Role.DEPUTY] + [
            CommitteeMember.Role.MEMBER
        ] * 3
        owners_committee_file(
            actor=actor,
            compound=compound,
            term_starts_on=starts,
            term_ends_on=ends,
            filed_on=filed,
            filing_no=f"{district_name}业委会备字〔{filed.year}〕第001号",
            members=list(zip([*showcase, *others], roles, strict=False)),
        )

    def _maintenance(self, *, compound: Compound, actor: User) -> None:
        """The last service of a few items, dated so that their due dates stay those of the master file."""
        items = list(Equipment.objects.filter(compound=compound, category="LIFT").order_by("sequence")[:2])
        items += list(Equipment.objects.filter(compound=compound, category="FIRE").order_by("sequence")[:1])
        notes = {
            "LIFT": "半月保养：曳引机、制动器、门锁及轿厢检查",
            "FIRE": "月度试运行：水泵启停、压力表、阀门检查",
        }
        costs = {"LIFT": Decimal("180.00"), "FIRE": Decimal("300.00")}
        for item in items:
            if item.next_due_on is None or MaintenanceRecord.objects.filter(equipment=item).exists():
                continue
            interval = dt.timedelta(days=item.maintenance_interval_days)
            last = item.next_due_on - interval
            for kind, on in (
                (MaintenanceRecord.Kind.MAINTENANCE, last - interval),
                (MaintenanceRecord.Kind.INSPECTION, last - interval + dt.timedelta(days=3)),
                (MaintenanceRecord.Kind.MAINTENANCE, last),
            ):
                maintenance_record_add(
                    actor=actor,
                    equipment=item,
                    kind=kind,
                    performed_on=on,
                    contractor=item.installer,
                    cost=costs.get(item.category, Decimal("0"))
                    if kind == MaintenanceRecord.Kind.MAINTENANCE
                    else 0,
                    notes=notes.get(item.category, "例行保养")
                    if kind == MaintenanceRecord.Kind.MAINTENANCE
                    else "日常巡检",
                )

    def _complaints(self, *, seed: int, district: str, owners: list[User], firm_user: User) -> None:
        """A month of complaints up to now over the demo compounds (complaints.demo), once."""
        from django.utils import timezone

        from complaints.demo import demo_complaints_seed

        started = time.monotonic()
        count = demo_complaints_seed(
            compounds=Compound.objects.filter(code__startswith=f"QD-{district}-").order_by("code"),
            now=timezone.now().replace(second=0, microsecond=0),
            showcase=owners,
            firm=firm_user,
            seed=seed,
            password=DEMO_PASSWORD,
        )
        if count:
            self.stdout.write(f"complaints: seeded {count} cases ({time.monotonic() - started:.1f}s)")
        else:
            self.stdout.write("complaints: seeded 0 cases (already present)")

    def _party(self, *, compound: Compound, owners: list[User], firm_user: User, official: User) -> None:
        """The red property of the showcase compound (partybuilding.demo), once."""
        from partybuilding.demo import demo_party_seed

        count = demo_party_seed(compound=compound, owners=owners, firm=firm_user, official=official)
        self.stdout.write(f"party building: seeded {count} tasks" + ("" if count else " (already present)"))

    def _overview(self) -> None:
        """The officials' overview figures, so the region pages are full at once (the beat keeps them)."""
        from overview.services import figures_refresh

        rows, seconds = figures_refresh()
        self.stdout.write(f"overview: figures of {rows:,} compounds ({seconds:.1f}s)")

    def _disclosure(self, *, seed: int, district: str, owners: list[User], firm_user: User) -> None:
        """A year of disclosures up to last month for the demo firm's compounds (disclosure.demo), once."""
        from django.utils import timezone

        from disclosure.demo import demo_disclosure_seed

        count = demo_disclosure_seed(
            compounds=Compound.objects.filter(code__startswith=f"QD-{district}-").order_by("code"),
            now=timezone.now().replace(second=0, microsecond=0),
            firm=firm_user,
            committee=owners[0] if owners else None,
            seed=seed,
            password=DEMO_PASSWORD,
        )
        self.stdout.write(f"disclosure: published {count} records" + ("" if count else " (already present)"))

    @staticmethod
    def _describe(unit) -> str:  # noqa: ANN001 - a Unit from owner_home
        return f"{unit.compound.name} {unit.label}"


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _demo_owner(*, seed: int, k: int) -> Owner:
    person = demo_person(seed=seed, k=k)
    digest = identity_digest(id_type=Owner.IdType.RESIDENT_ID, id_number=person.id_number)
    return Owner.objects.get(id_type=Owner.IdType.RESIDENT_ID, id_hmac=digest.id_hmac)
