"""The one vocabulary of voting labels: art. 278 categories, thresholds, choices, inequalities, outcomes,
candidates, deemed consent, channels, the log's actions and the refusals' codes. The admin, the owner pages, the certificate and its XLSX all read them
from here, so a label is worded once (in Chinese, with the English catalogue in locale/)."""

from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from voting.models import MAJOR_CATEGORIES, BallotSubmission, MotionResult

# Civil Code art. 278, para. 1, items (一)–(九).
CATEGORY_LABELS = {
    1: gettext_lazy("制定和修改业主大会议事规则"),
    2: gettext_lazy("制定和修改管理规约"),
    3: gettext_lazy("选举业主委员会或者更换业主委员会成员"),
    4: gettext_lazy("选聘和解聘物业服务企业或者其他管理人"),
    5: gettext_lazy("使用建筑物及其附属设施的维修资金"),
    6: gettext_lazy("筹集建筑物及其附属设施的维修资金"),
    7: gettext_lazy("改建、重建建筑物及其附属设施"),
    8: gettext_lazy("改变共有部分的用途或者利用共有部分从事经营活动"),
    9: gettext_lazy("有关共有和共同管理权利的其他重大事项"),
}
CATEGORY_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}

THRESHOLD_NAMES = {"ordinary": gettext_lazy("一般事项"), "major": gettext_lazy("重大事项")}
THRESHOLD_SHORT = {"ordinary": gettext_lazy("双过半"), "major": gettext_lazy("双四分之三")}
THRESHOLD_TEXT = {
    "ordinary": gettext_lazy(
        "须专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决，"
        "并经参与表决专有部分面积过半数且参与表决人数过半数的业主同意。恰好一半不算过半数。"
    ),
    "major": gettext_lazy(
        "须专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决，"
        "并经参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意。恰好四分之三即为通过。"
    ),
}
ABSTAIN_NOTE = gettext_lazy("弃权计入参与表决的面积和人数，但不计为同意。")

CHOICE_LABELS = {
    "for": gettext_lazy("同意"),
    "against": gettext_lazy("反对"),
    "abstain": gettext_lazy("弃权"),
}

INEQUALITY_LABELS = {
    ("quorum_area", "any"): gettext_lazy("参与表决面积达到总面积的三分之二以上"),
    ("quorum_heads", "any"): gettext_lazy("参与表决人数达到总人数的三分之二以上"),
    ("approval_area", "ordinary"): gettext_lazy("同意面积超过参与表决面积的二分之一"),
    ("approval_heads", "ordinary"): gettext_lazy("同意人数超过参与表决人数的二分之一"),
    ("approval_area", "major"): gettext_lazy("同意面积达到参与表决面积的四分之三以上"),
    ("approval_heads", "major"): gettext_lazy("同意人数达到参与表决人数的四分之三以上"),
}

OUTCOME_LABELS = dict(MotionResult.Outcome.choices)
CANDIDATE_STATUS_LABELS = {
    "elected": gettext_lazy("当选"),
    "not_elected": gettext_lazy("未当选"),
    "tie": gettext_lazy("票数相同，未自动决定（须依议事规则另行确定）"),
}
CANDIDATE_OUTCOME_LABELS = {
    "adopted": gettext_lazy("达到同意比例"),
    "rejected": gettext_lazy("未达到同意比例"),
    "quorum_not_met": gettext_lazy("未达到参与表决的法定比例"),
}
SIDE_LABELS = {
    "for": gettext_lazy("计入同意"),
    "against": gettext_lazy("计入反对"),
    None: gettext_lazy("已投票业主意见未形成面积和人数双过半的多数，不计入任何一方"),
}


def threshold_of(category: int) -> str:
    """The threshold an art. 278 category carries (items 6–8 are major)."""
    return "major" if category in MAJOR_CATEGORIES else "ordinary"


def category_label(category: int | None) -> str:
    """'第四项：选聘和解聘物业服务企业或者其他管理人' ('Item 4: …' in English)."""
    if category is None:
        return "-"
    chinese = (get_language() or "zh-hans").startswith("zh")
    return _("第%(n)s项：%(label)s") % {
        "n": CATEGORY_NUMERALS.get(category, str(category)) if chinese else str(category),
        "label": CATEGORY_LABELS.get(category, ""),
    }


def threshold_label(threshold: str) -> str:
    """'一般事项（双过半）'."""
    return f"{THRESHOLD_NAMES[threshold]}（{THRESHOLD_SHORT[threshold]}）"


# The category picker of the assembly form: each item with the threshold it carries.
CATEGORY_CHOICES = [
    (n, format_lazy("{}{} — {}", f"（{CATEGORY_NUMERALS[n]}）", label, THRESHOLD_SHORT[threshold_of(n)]))
    for n, label in CATEGORY_LABELS.items()
]
BALLOT_CHOICES = list(CHOICE_LABELS.items())

# ------------------------------------------------------------------------------------------------ results
# The result certificate, the results page, the admin review and the XLSX read these, so a figure is named
# the same way everywhere. No algebraic symbols (A_total, N_part…): every figure is named in words, and every
# percentage names its basis — participation against the total (quorum), votes against participants (approval).

COUNT_LABELS = {
    "total": gettext_lazy("总数"),
    "participating": gettext_lazy("参与表决"),
    **CHOICE_LABELS,
}
AREA_TOTAL_LABEL = gettext_lazy("专有部分总面积（㎡）")
HEADS_TOTAL_LABEL = gettext_lazy("业主总人数")
PARTS_TOTAL_LABEL = gettext_lazy("专有部分数")
# Column headers of the count table: the quantity, then its percentage with the basis in the header.
COUNT_HEADERS = {
    "item": gettext_lazy("项目"),
    "votes": gettext_lazy("表决意见"),
    "area": gettext_lazy("面积（㎡）"),
    "heads": gettext_lazy("人数"),
    "area_of_total": gettext_lazy("占总面积"),
    "heads_of_total": gettext_lazy("占总人数"),
    "area_of_participating": gettext_lazy("占参与表决面积"),
    "heads_of_participating": gettext_lazy("占参与表决人数"),
}
# Which basis each line's percentage is taken against: the law's (quorum: the total; approval: participants).
COUNT_BASIS = {
    "total": None,
    "participating": "total",
    "for": "participating",
    "against": "participating",
    "abstain": "participating",
}
# The XLSX's one-row-per-motion table spells each column out: "同意面积（㎡）", "同意面积占参与表决面积".
COUNT_COLUMNS = {
    "area": gettext_lazy("%(line)s面积（㎡）"),
    "heads": gettext_lazy("%(line)s人数"),
    "area_percent": gettext_lazy("%(line)s面积%(basis)s"),
    "heads_percent": gettext_lazy("%(line)s人数%(basis)s"),
}

# Candidate rows of an election: the same columns on the page, the certificate and the XLSX.
CANDIDATE_HEADERS = {
    "name": gettext_lazy("候选人"),
    "area_for": gettext_lazy("同意面积（㎡）"),
    "area_percent": gettext_lazy("同意面积占参与表决面积"),
    "heads_for": gettext_lazy("同意人数"),
    "heads_percent": gettext_lazy("同意人数占参与表决人数"),
    "outcome": gettext_lazy("是否达到法定比例"),
    "status": gettext_lazy("当选情况"),
}
ELECTED_NAMES = gettext_lazy("当选：%(names)s")
NOBODY_ELECTED = gettext_lazy("无人当选")
TIED_NAMES = gettext_lazy("票数相同（须依议事规则另行确定）：%(names)s")

# The summary line: each inequality with its worked figures, "同意面积 700.00㎡ / 参与 800.00㎡ = 87.50% > 50%".
# The sign comes from the exact cross-multiplied check, never from the rounded-down percentage.
SUMMARY_TERMS = {
    "quorum_area": gettext_lazy("参与面积 %(part)s㎡ / 总面积 %(whole)s㎡ = %(percent)s %(sign)s %(bound)s"),
    "quorum_heads": gettext_lazy("参与人数 %(part)s / 总人数 %(whole)s = %(percent)s %(sign)s %(bound)s"),
    "approval_area": gettext_lazy("同意面积 %(part)s㎡ / 参与 %(whole)s㎡ = %(percent)s %(sign)s %(bound)s"),
    "approval_heads": gettext_lazy("同意人数 %(part)s / 参与 %(whole)s = %(percent)s %(sign)s %(bound)s"),
}
# (bound, sign when it holds, sign when it fails) per check: "以上" includes the bound; "过半数" does not.
SUMMARY_BOUNDS = {
    "quorum": ("2/3", "≥", "<"),
    "ordinary": ("50%", ">", "≤"),
    "major": ("75%", "≥", "<"),
}
SUMMARY_SEPARATOR = gettext_lazy("；")
DEEMED_SUMMARY = gettext_lazy("视为同意计票")

# The notice's closing lines: who issues it, the seal and date, and the objection period.
NOTICE_LABELS = {
    "summary": gettext_lazy("表决结果摘要"),
    "issuer": gettext_lazy("发布单位"),
    "seal": gettext_lazy("（盖章）"),
    "date": gettext_lazy("日期"),
    "blank_date": gettext_lazy("　　年　　月　　日"),
    "check": gettext_lazy("法定比例核验"),
    "objection": gettext_lazy("异议期"),
}
NOTICE_DATE = gettext_lazy("%(year)s年%(month)s月%(day)s日")
STREET_OFFICE = gettext_lazy("%(street)s办事处")
TOWN_GOVERNMENT = gettext_lazy("%(town)s人民政府")
OBJECTION_TEXT = gettext_lazy("业主对表决结果有异议的，可自公告之日起 %(days)s 日内向%(issuer)s提出。")
CHANNEL_LABELS = dict(BallotSubmission.Channel.choices)

# Every action the services write to an assembly's log (`audit_append` callers; ballots as `ballot.<channel>`).
# The code itself is hashed into the chain and stays in the row; people read these words.
AUDIT_ACTION_LABELS = {
    "assembly.create": gettext_lazy("创建会议"),
    "assembly.update": gettext_lazy("修改会议草稿"),
    "roll.freeze": gettext_lazy("冻结表决名册"),
    "assembly.announce": gettext_lazy("发布会议公告"),
    "assembly.reschedule": gettext_lazy("会议改期（重新公告）"),
    "assembly.open": gettext_lazy("开始投票"),
    "assembly.close": gettext_lazy("截止投票"),
    "assembly.cancel": gettext_lazy("取消会议"),
    "assembly.tally": gettext_lazy("计票"),
    "assembly.retally": gettext_lazy("重新计票"),
    "assembly.publish": gettext_lazy("公布表决结果"),
    "subject.delivery": gettext_lazy("登记表决票送达"),
    "proxy.mandate": gettext_lazy("登记委托投票"),
    "ballot.online": gettext_lazy("网上投票"),
    "ballot.paper": gettext_lazy("录入纸质票"),
}

# Every code a refused ballot is recorded with (`VoteRefusal.code`: the ballot services' refusals).
REFUSAL_LABELS = {
    "not_open": gettext_lazy("不在投票期内"),
    "not_on_roll": gettext_lazy("不在表决名册上"),
    "not_designated_voter": gettext_lazy("不是共有房屋的表决代表"),
    "part_of_larger_subject": gettext_lazy("房屋属于名册冻结时更大的投票主体"),
    "already_voted": gettext_lazy("已投票，本次会议不允许改票"),
    "incomplete_ballot": gettext_lazy("选票未填写完整"),
    "invalid_choice": gettext_lazy("表决内容不正确"),
    "scan_required": gettext_lazy("未附纸质票扫描件"),
    "scan_too_large": gettext_lazy("扫描件过大"),
    "scan_invalid_type": gettext_lazy("扫描件格式不符"),
}


def audit_action_label(action: str) -> str:
    """The log action in words ('网上投票'); an action without a label yet shows its code rather than nothing."""
    return str(AUDIT_ACTION_LABELS.get(action, action))


def refusal_label(code: str) -> str:
    """A refusal's reason in words ('已投票，本次会议不允许改票'); an unknown code shows as itself."""
    return str(REFUSAL_LABELS.get(code, code))
