"""The demo's month of complaints, seeded through the real services on a moving clock so that `scripts/run`
opens on full queues: a deterministic mix of kinds and categories over the demo compounds, most cases closed
and rated, some rejected, merged or cancelled, some escalated by bounces or 督办, some still open (breached,
warned or on time), several of them owner_demo1's.

Each case follows a story — steps at minutes after its filing. All steps of all cases run in time order with
`django.utils.timezone.now` patched to the step's time (as tests/complaints/test_clocks.py does); steps later
than `now` are dropped, so recent cases stay open where their story stands. A last pass of the clocks' beat at
`now` brings every running clock to its current level (and applies any 督办 due). Idempotent: nothing is done
when the demo compounds already hold cases.
"""

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from unittest import mock

from django.db import transaction

from complaints.labels import About, ClockKind, Kind, Satisfaction, Status
from complaints.models import Clock, Complaint
from complaints.permissions import roles_in
from complaints.services.cases import (
    Location,
    complaint_file,
    complaint_rate,
    complaint_return_visit,
    complaint_transition,
)
from complaints.services.clocks import clock_extend, clocks_check_due, clocks_refresh
from registry.models import Building, Compound, Official, Owner, User
from registry.personal_data import identity_digest
from registry.services.accounts import owner_signup

MONTH = dt.timedelta(days=30)
CASES_PER_COMPOUND = 26
EXTRA_FOR_SHOWCASE = 14  # the first compound (owner_demo1..3, the firm's and the committee's queues)
MAX_COMPOUNDS = 6
NEIGHBOURS = 2  # owner accounts filing in each compound beside the showcase owners

# category → (kind, description, common area) — what owners really write
TEXTS: dict[str, list[tuple[str, str, str]]] = {
    "environment": [
        ("snap", "3号楼东侧垃圾桶已经满溢两天没人清运，气味很大，还招苍蝇。", "3号楼东侧垃圾站"),
        ("complaint", "垃圾清运不及时，周末桶边堆满了装修垃圾，孩子上学都得绕着走。", "南门垃圾分类亭"),
        ("snap", "地下车库入口有大量积水和落叶，保洁好几天没打扫了。", "地下车库入口"),
        ("praise", "保洁王阿姨每天把楼道拖得很干净，特此表扬！", ""),
    ],
    "greening": [
        ("snap", "绿化带被人开垦种菜，还用竹竿围了起来，占了公共绿地。", "2号楼北侧绿化带"),
        ("complaint", "小区中心花园的树很久没修剪，枝条挡住了路灯和二楼窗户。", "中心花园"),
        ("suggestion", "建议在儿童游乐区周围补种一些草坪，现在一下雨全是泥。", "儿童游乐区"),
    ],
    "facility_repair": [
        ("repair", "楼道灯不亮，3层到6层的声控灯都坏了，晚上上下楼很危险。", ""),
        ("snap", "单元门门禁坏了，门一直关不上，陌生人随便进出。", ""),
        ("repair", "小区北门的健身器材扶手松动，老人使用有安全隐患。", "北门健身区"),
    ],
    "home_repair": [
        ("repair", "卫生间顶部渗水，怀疑是楼上防水层破损，请安排人员上门查看。", ""),
        ("repair", "厨房下水管堵塞反水，自己疏通不了，请物业维修。", ""),
    ],
    "elevator": [
        ("complaint", "电梯困人！早上8点电梯停在5楼和6楼之间，被困了20多分钟才有人来。", ""),
        ("repair", "电梯运行时异响明显，关门时晃动，请尽快检修。", ""),
        ("snap", "电梯年检合格证已经过期两个月了，还没有更新。", ""),
    ],
    "utilities": [
        ("repair", "楼栋二次供水水压不足，早晚高峰高层基本没水。", ""),
        ("complaint", "暖气不热，室温只有14度，家里有老人和孩子。", ""),
    ],
    "security": [
        ("complaint", "夜里有外卖电动车在楼道里充电，存在火灾隐患，多次劝阻无效。", ""),
        ("suggestion", "建议东门晚上11点后安排保安值守，现在经常无人看管。", "东门岗亭"),
    ],
    "parking": [
        ("snap", "停车乱象严重，消防通道旁边长期停着几辆僵尸车。", "5号楼前道路"),
        ("complaint", "外来车辆随意进出占用业主车位，门岗不登记。", "地面停车场"),
        ("suggestion", "建议在地库增设电动车充电桩，规范充电。", "地下车库"),
    ],
    "noise": [
        ("complaint", "楼下商铺夜里12点后还在装卸货，噪音扰民，影响休息。", "沿街商铺后门"),
        ("snap", "装修工人周末早上7点就开始电钻作业，违反装修管理规定。", ""),
    ],
    "illegal_construction": [
        ("complaint", "顶楼住户在屋顶违章搭建阳光房，已经开始砌墙，请街道尽快制止。", ""),
        ("snap", "一楼住户私自扩建院子，占用了公共通道。", "1号楼西侧"),
    ],
    "fire_safety": [
        ("snap", "消防通道被堆放的杂物和共享单车堵死了。", "4号楼消防通道"),
        ("complaint", "楼道消火栓箱里的水带不见了，灭火器也过期了。", ""),
    ],
    "fees": [
        ("complaint", "交了物业费一直不给开物业费收据和发票，多次催要没有结果。", "物业服务中心"),
        ("suggestion", "建议物业费收支情况每季度在公告栏公示。", ""),
    ],
    "public_revenue": [
        ("complaint", "电梯广告和停车收益从来没有公示过，业主不知道钱去哪了。", ""),
    ],
    "service": [
        ("complaint", "物业客服电话长期无人接听，报修要跑好几趟服务中心。", "物业服务中心"),
        ("praise", "维修师傅小刘半夜上门抢修水管，非常负责，点赞！", ""),
    ],
    "committee_affairs": [
        ("complaint", "业委会换届选举的候选人名单没有提前公示，程序不透明。", ""),
    ],
}
ABOUT = {"service": About.FIRM, "fees": About.FIRM, "committee_affairs": About.COMMITTEE}
# How often each category turns up (the everyday ones most).
WEIGHTS = {
    "environment": 6, "greening": 3, "facility_repair": 5, "home_repair": 3, "elevator": 3, "utilities": 2,
    "security": 2, "parking": 4, "noise": 3, "illegal_construction": 1, "fire_safety": 1, "fees": 2,
    "public_revenue": 1, "service": 2, "committee_affairs": 1,
}  # fmt: skip

H = 60  # minutes
D = 24 * H
# A story: steps as (minutes after filing, action, argument). The result and rating notes are the handler's
# and the owner's words.
STORIES: dict[str, list[tuple[int, str, object]]] = {
    "satisfied": [
        (8, "accepted", ""),
        (22, "dispatched", ""),
        (60, "in_progress", ""),
        (5 * H, "resolved", "已安排人员处理完毕，现场照片已上传。"),
        (14 * H, "verified", ""),
        (D + 2 * H, "rate", (Satisfaction.SATISFIED, True, "处理及时，谢谢！")),
        (2 * D, "visit", "电话回访，业主对处理结果表示满意。"),
    ],
    "basically": [
        (15, "accepted", ""),
        (28, "dispatched", ""),
        (2 * H, "in_progress", ""),
        (20 * H, "resolved", "已处理，后续会加强日常巡查。"),
        (D + 8 * H, "verified", ""),
        (2 * D, "rate", (Satisfaction.BASICALLY, True, "基本解决了，希望以后能再快一点。")),
        (3 * D, "visit", "回访：业主基本满意，建议物业缩短响应时间。"),
    ],
    "unsatisfied": [
        (40, "accepted", ""),
        (90, "dispatched", ""),
        (3 * H, "in_progress", ""),
        (5 * H, "waiting_complainant", "请业主提供具体位置和照片，方便核实。"),
        (15 * H, "in_progress", ""),
        (37 * H, "resolved", "已处理。"),
        (2 * D, "verified", ""),
        (3 * D, "rate", (Satisfaction.UNSATISFIED, False, "拖了好几天，问题还是反复出现。")),
        (4 * D, "visit", "回访：业主仍不满意，已要求物业制定整改方案。"),
    ],
    "sent_back": [
        (10, "accepted", ""),
        (25, "dispatched", ""),
        (45, "in_progress", ""),
        (7 * H, "resolved", "已更换灯泡。"),
        (11 * H, "send_back", "现场核查：3层仍不亮，请彻底排查线路。"),
        (18 * H, "resolved", "已更换声控开关并检查线路。"),
        (22 * H, "verified", ""),
        (D + 6 * H, "rate", (Satisfaction.BASICALLY, True, "第二次修好了。")),
        (2 * D + 4 * H, "visit", "回访：业主确认已修复。"),
    ],
    "extended": [
        (10, "accepted", ""),
        (25, "dispatched", ""),
        (60, "in_progress", ""),
        (10 * H, "extend", "需更换配件，厂家供货需要两天。"),
        (2 * D + 10 * H, "resolved", "配件已更换，经复检正常。"),
        (2 * D + 16 * H, "verified", ""),
        (3 * D, "rate", (Satisfaction.SATISFIED, True, "虽然等了几天，但修得很彻底。")),
        (4 * D, "visit", "回访：业主满意。"),
    ],
    "rejected": [(30, "rejected", "经核实，该事项属于市政道路管理范围，已告知业主拨打12345反映。")],
    "cancelled": [(10, "accepted", ""), (70, "cancelled", "邻居已经自行处理好了，撤回。")],
    "bounced": [
        (10, "accepted", ""),
        (20, "dispatched", ""),
        (60, "returned", "非本岗位职责，退回重新派单。"),
        (80, "dispatched", ""),
        (2 * H, "returned", "维修班组无法处理，需要协调。"),
        (4 * H, "dispatched", ""),
        (5 * H, "in_progress", ""),
        (18 * H, "resolved", "协调相关单位后已处理完毕。"),
        (D, "verified", ""),
        (D + 5 * H, "rate", (Satisfaction.SATISFIED, True, "升级后解决得很快。")),
        (2 * D + 3 * H, "visit", "回访：业主满意。"),
    ],
    "supervised": [  # 督办: the resolve clock runs out, the beat raises the case, then again
        (10, "accepted", ""),
        (30, "dispatched", ""),
        (90, "in_progress", ""),
        (D + H, "beat", ""),
        (2 * D + 2 * H, "beat", ""),
        (2 * D + 6 * H, "resolved", "经街道督办，已协调处理完毕。"),
        (3 * D, "verified", ""),
        (3 * D + 4 * H, "rate", (Satisfaction.BASICALLY, True, "督办之后终于解决了。")),
        (4 * D + 2 * H, "visit", "回访：业主基本满意，物业已作出书面说明。"),
    ],
    "in_progress": [(10, "accepted", ""), (25, "dispatched", ""), (60, "in_progress", "")],
    "waiting": [
        (10, "accepted", ""),
        (25, "dispatched", ""),
        (60, "in_progress", ""),
        (2 * H, "waiting_complainant", "请业主方便时开门，以便入户查看渗水点。"),
    ],
    "resolved": [
        (10, "accepted", ""),
        (25, "dispatched", ""),
        (60, "in_progress", ""),
        (5 * H, "resolved", "已处理完毕，请核查。"),
    ],
    "verified": [
        (10, "accepted", ""),
        (25, "dispatched", ""),
        (60, "in_progress", ""),
        (5 * H, "resolved", "已处理完毕。"),
        (9 * H, "verified", ""),
    ],
    "fresh": [],  # filed and not yet answered
}
STORY_WEIGHTS = {
    "satisfied": 8, "basically": 4, "unsatisfied": 2, "sent_back": 1, "extended": 1, "rejected": 1,
    "cancelled": 1, "bounced": 1, "supervised": 1, "in_progress": 1, "waiting": 1, "resolved": 1,
    "verified": 1,
}  # fmt: skip
# Open cases at the end of the month, minutes before `now` (the queues the demo opens on): untouched for two
# or three hours (respond and plan breached), half-way to the resolve deadline (warned), waiting on the owner.
TAIL = [("fresh", 2 * H), ("fresh", 3 * H + 10), ("in_progress", 14 * H), ("waiting", 5 * H), ("fresh", 25)]


@dataclass
class _Case:
    key: int
    compound: Compound
    complainant: User
    category: str
    kind: str
    text: str
    area: str
    building: str
    story: str
    at: dt.datetime
    merge_into: int | None = None
    case: Complaint | None = field(default=None)


@dataclass
class _Staff:
    """Who acts on the demo's cases: the firm's and the committee's people where they exist, the officials."""

    firm: User | None
    committee: list[User]
    officials: list[User]
    _roles: dict[tuple, set[str]] = field(default_factory=dict)  # roles depend on these fields of a case only

    def acting(self, case: Complaint, role: str) -> User:
        """The first who holds `role` in the case (handler, reviewer), else its supervisor."""
        people = [u for u in [self.firm, *self.committee, *self.officials] if u is not None]
        people = [u for u in people if u.pk != case.complainant_id]
        for wanted in (role, "supervisor"):
            for user in people:
                key = (user.pk, case.compound_id, case.tier, case.about)
                if key not in self._roles:
                    self._roles[key] = roles_in(user=user, complaint=case)
                if wanted in self._roles[key]:
                    return user
        raise LookupError(f"nobody acts on case #{case.pk}")


def _neighbours(*, compound: Compound, seed: int, count: int, password: str) -> list[User]:
    """`count` owner accounts in the compound (demo persons, signed up through the real service), reused."""
    from registry.demo import demo_person

    prefix = f"neighbour_{compound.code[-4:]}_"
    users = list(User.objects.filter(username__startswith=prefix).order_by("username"))
    if len(users) >= count:
        return users[:count]
    k, limit = 5, Owner.objects.count() + 64
    while len(users) < count and k < limit:
        persons = {}
        for person in (demo_person(seed=seed, k=j) for j in range(k, min(k + 500, limit))):
            digest = identity_digest(id_type=Owner.IdType.RESIDENT_ID, id_number=person.id_number).id_hmac
            persons[digest] = person
        k += 500
        found = (
            Owner.objects.filter(
                id_type=Owner.IdType.RESIDENT_ID,
                id_hmac__in=list(persons),
                user__isnull=True,
                ownerships__unit__compound=compound,
                ownerships__valid_to__isnull=True,
            )
            .values_list("id_hmac", flat=True)
            .distinct()
        )
        for digest in sorted(found, key=lambda d: persons[d].k):
            if len(users) >= count:
                break
            person = persons[digest]
            users.append(
                owner_signup(
                    username=f"{prefix}{len(users) + 1}",
                    password=password,
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone,
                    ip_address=None,
                ).user
            )
    return users


def _plan(
    *, compounds: Sequence[Compound], complainants: dict[int, list[User]], now: dt.datetime, seed: int
) -> list[_Case]:
    rng = random.Random(f"complaints-demo:{seed}")  # noqa: S311 - a deterministic demo, not a secret
    start = now - MONTH
    categories = list(WEIGHTS)
    stories = list(STORY_WEIGHTS)
    cases: list[_Case] = []
    for i, compound in enumerate(compounds):
        buildings = list(
            Building.objects.filter(compound=compound).order_by("number").values_list("number", flat=True)
        )
        people = complainants[compound.pk]
        n = CASES_PER_COMPOUND + (EXTRA_FOR_SHOWCASE if i == 0 else 0)
        plan = [
            (rng.choices(stories, [STORY_WEIGHTS[s] for s in stories])[0], None) for _ in range(n - len(TAIL))
        ]
        plan += [(story, ago) for story, ago in TAIL]
        for j, (story, ago) in enumerate(plan):
            category = rng.choices(categories, [WEIGHTS[c] for c in categories])[0]
            if ago is not None:  # the tail: the firm's everyday work
                category = ("environment", "facility_repair", "parking", "home_repair", "greening")[j % 5]
            kind, text, area = rng.choice(TEXTS[category])
            if kind == Kind.PRAISE or kind == Kind.SUGGESTION:
                story = "satisfied" if story not in ("fresh", "in_progress") else story
            # owner_demo1 (the first showcase owner) files every third case of the first compound
            who = people[0] if i == 0 and j % 3 == 0 else people[j % len(people)]
            at = (
                now - dt.timedelta(minutes=ago)
                if ago is not None
                else start + (MONTH - dt.timedelta(days=1)) * rng.random()
            )
            cases.append(
                _Case(
                    key=len(cases),
                    compound=compound,
                    complainant=who,
                    category=category,
                    kind=kind,
                    text=text,
                    area=area,
                    building="" if area or not buildings else rng.choice(buildings),
                    story=story,
                    at=at.replace(second=0, microsecond=0),
                )
            )
        # a duplicate report, merged into the first open case filed just before it
        original = next(c for c in cases if c.compound == compound and c.story == "satisfied")
        cases.append(
            _Case(
                key=len(cases),
                compound=compound,
                complainant=people[-1],
                category=original.category,
                kind=original.kind,
                text=original.text,
                area=original.area,
                building=original.building,
                story="merged",
                at=original.at + dt.timedelta(minutes=4),
                merge_into=original.key,
            )
        )
    return cases


def _steps(case: _Case) -> list[tuple[dt.datetime, int, str, object]]:
    if case.story == "merged":
        return [(case.at, 0, "file", None), (case.at + dt.timedelta(minutes=5), 1, "merged", case.merge_into)]
    steps = [(case.at, 0, "file", None)]
    for n, (minutes, action, arg) in enumerate(STORIES[case.story], start=1):
        steps.append((case.at + dt.timedelta(minutes=minutes), n, action, arg))
    return steps


def _run(step: str, arg: object, c: _Case, cases: list[_Case], staff: _Staff, now: dt.datetime) -> None:
    if step == "file":
        c.case = complaint_file(
            actor=c.complainant,
            compound=c.compound,
            kind=c.kind,
            category_code=c.category,
            description=c.text,
            about=ABOUT.get(c.category, About.OTHER),
            location=Location(building=c.building, area=c.area),
            allow_home_visit=c.category == "home_repair",
        )
        return
    case = Complaint.objects.get(pk=c.case.pk)
    if step == "rate":
        satisfaction, solved, note = arg  # type: ignore[misc]
        c.case = complaint_rate(
            actor=c.complainant, complaint=case, satisfaction=satisfaction, solved=solved, note=note
        )
    elif step == "visit":
        complaint_return_visit(actor=staff.acting(case, "supervisor"), complaint=case, note=str(arg))
    elif step == "extend":
        clock = Clock.objects.get(complaint=case, kind=ClockKind.RESOLVE)
        clock_extend(actor=staff.acting(case, "supervisor"), clock=clock, reason=str(arg), minutes=2 * D)
    elif step == "beat":  # the beat's pass over this one case (clocks_check_due does the same per case)
        with transaction.atomic():
            clocks_refresh(case=Complaint.objects.select_for_update().get(pk=case.pk), now=now)
    elif step == "merged":
        target = Complaint.objects.get(pk=cases[arg].case.pk)  # type: ignore[index]
        complaint_transition(
            actor=staff.acting(case, "handler"), complaint=case, to=Status.MERGED, merged_into=target
        )
    elif step == "send_back":
        complaint_transition(
            actor=staff.acting(case, "reviewer"), complaint=case, to=Status.IN_PROGRESS, note=str(arg)
        )
    elif step == "verified":
        complaint_transition(actor=staff.acting(case, "reviewer"), complaint=case, to=Status.VERIFIED)
    elif step == "cancelled" or (step == "in_progress" and case.status == Status.WAITING):
        complaint_transition(actor=c.complainant, complaint=case, to=step, note=str(arg))
    else:
        complaint_transition(actor=staff.acting(case, "handler"), complaint=case, to=step, note=str(arg))


def demo_complaints_seed(
    *,
    compounds: Sequence[Compound],
    now: dt.datetime,
    showcase: Sequence[User],
    firm: User | None,
    seed: int,
    password: str,
) -> int:
    """Seed about a month of cases up to `now` over (at most MAX_COMPOUNDS of) `compounds`, the first being
    the showcase owners' (`showcase`: owner_demo1 first). Returns how many cases were filed (0 when the
    compounds already hold cases)."""
    compounds = list(compounds)[:MAX_COMPOUNDS]
    if not compounds or Complaint.objects.filter(compound__in=compounds).exists():
        return 0
    complainants = {
        c.pk: (list(showcase) if i == 0 else [])
        + _neighbours(compound=c, seed=seed, count=NEIGHBOURS - (i == 0), password=password)
        for i, c in enumerate(compounds)
    }
    staff = _Staff(
        firm=firm,
        committee=list(showcase),  # the showcase owners sit on the first compound's committee
        officials=list(
            User.objects.filter(official__in=Official.objects.all()).order_by(
                "-official__region__level", "pk"
            )
        ),
    )
    cases = _plan(compounds=compounds, complainants=complainants, now=now, seed=seed)
    steps = sorted(
        (at, c.key, n, action, arg) for c in cases for at, n, action, arg in _steps(c) if at <= now
    )
    with transaction.atomic():
        for at, key, _n, action, arg in steps:
            with mock.patch("django.utils.timezone.now", return_value=at):
                _run(action, arg, cases[key], cases, staff, at)
        with mock.patch("django.utils.timezone.now", return_value=now):
            clocks_check_due(now=now, limit=10_000)
    return sum(1 for c in cases if c.case is not None)
