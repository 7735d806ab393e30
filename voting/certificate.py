"""The result certificate (结果公告): plain-Chinese labels for art. 278 categories, thresholds, inequalities and
policy switches, the page context built from `voting.selectors.assembly_results`, and the XLSX export.

Presentation only: every number comes from the stored tally; nothing here counts a ballot.
"""

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from config.spreadsheets import xlsx_put
from voting.labels import (
    ABSTAIN_NOTE,
    CANDIDATE_OUTCOME_LABELS,
    CANDIDATE_STATUS_LABELS,
    CHOICE_LABELS,
    INEQUALITY_LABELS,
    OUTCOME_LABELS,
    SIDE_LABELS,
    THRESHOLD_NAMES,
    THRESHOLD_SHORT,
    THRESHOLD_TEXT,
    category_label,
)
from voting.models import Assembly, Motion, RollPart
from voting.rules import Count, inequalities, percent_down
from voting.selectors import assembly_motions, assembly_results

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def motion_agenda(*, motions: list[Motion]) -> list[dict[str, Any]]:
    """The agenda of the notice: each motion with its category and threshold explained in plain Chinese."""
    return [
        {
            "motion": m,
            "category_label": category_label(m.category),
            "threshold_name": THRESHOLD_NAMES[m.threshold],
            "threshold_short": THRESHOLD_SHORT[m.threshold],
            "threshold_text": THRESHOLD_TEXT[m.threshold],
            "candidates": list(m.candidates.all()) if m.kind == Motion.Kind.ELECTION else [],
        }
        for m in motions
    ]


def policy_rows(*, assembly: Assembly) -> list[dict[str, str]]:
    """Every policy switch of the assembly, labelled, as printed on the notice and the certificate."""

    def yes_no(value: bool) -> str:
        return str(_("是") if value else _("否"))

    return [
        {
            "name": "revote",
            "label": str(Assembly._meta.get_field("revote").verbose_name),
            "value": yes_no(assembly.revote),
            "note": str(
                _("截止前可以改票，以最后一次投票为准。")
                if assembly.revote
                else _("每个投票主体只能投票一次，以第一次投票为准。")
            ),
        },
        {
            "name": "deemed_consent",
            "label": str(Assembly._meta.get_field("deemed_consent").verbose_name),
            "value": yes_no(assembly.deemed_consent),
            "note": str(
                _(
                    "依议事规则，表决票已送达并已告知后果而未投票的业主，计入已投票业主的多数意见；"
                    "公告同时列出严格计票结果和视为同意计票结果及所涉房屋。"
                )
                if assembly.deemed_consent
                else _("未投票的业主不计入参与表决。")
            ),
        },
        {
            "name": "parking_in_area",
            "label": str(Assembly._meta.get_field("parking_in_area").verbose_name),
            "value": yes_no(assembly.parking_in_area),
            "note": "",
        },
        {
            "name": "proxy_cap",
            "label": str(Assembly._meta.get_field("proxy_cap").verbose_name),
            "value": str(assembly.proxy_cap),
            "note": "",
        },
        {
            "name": "firm_staff_may_proxy",
            "label": str(Assembly._meta.get_field("firm_staff_may_proxy").verbose_name),
            "value": yes_no(assembly.firm_staff_may_proxy),
            "note": "",
        },
    ]


def _count(area_total: Decimal, heads_total: int, area: dict[str, str], heads: dict[str, int]) -> Count:
    return Count(
        area_total=area_total,
        heads_total=heads_total,
        area_for=Decimal(area["for"]),
        area_against=Decimal(area["against"]),
        area_abstain=Decimal(area["abstain"]),
        heads_for=heads["for"],
        heads_against=heads["against"],
        heads_abstain=heads["abstain"],
    )


def _labelled(rows: list[dict[str, Any]], threshold: str) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        key = (row["name"], "any") if row["name"].startswith("quorum") else (row["name"], threshold)
        out.append({**row, "label": str(INEQUALITY_LABELS[key])})
    return out


def _table(c: Count) -> list[dict[str, Any]]:
    """The five lines of a motion's count, with their symbols and percentages (rounded down)."""
    return [
        {
            "label": _("总数"),
            "symbols": "A_total / N_total",
            "area": c.area_total,
            "heads": c.heads_total,
            "area_percent": "",
            "heads_percent": "",
        },
        {
            "label": _("参与表决"),
            "symbols": "A_part / N_part",
            "area": c.area_participating,
            "heads": c.heads_participating,
            "area_percent": percent_down(c.area_participating, c.area_total),
            "heads_percent": percent_down(c.heads_participating, c.heads_total),
        },
        {
            "label": CHOICE_LABELS["for"],
            "symbols": "A_for / N_for",
            "area": c.area_for,
            "heads": c.heads_for,
            "area_percent": percent_down(c.area_for, c.area_participating),
            "heads_percent": percent_down(c.heads_for, c.heads_participating),
        },
        {
            "label": CHOICE_LABELS["against"],
            "symbols": "A_against / N_against",
            "area": c.area_against,
            "heads": c.heads_against,
            "area_percent": percent_down(c.area_against, c.area_participating),
            "heads_percent": percent_down(c.heads_against, c.heads_participating),
        },
        {
            "label": CHOICE_LABELS["abstain"],
            "symbols": "A_abstain / N_abstain",
            "area": c.area_abstain,
            "heads": c.heads_abstain,
            "area_percent": percent_down(c.area_abstain, c.area_participating),
            "heads_percent": percent_down(c.heads_abstain, c.heads_participating),
        },
    ]


def _places(assembly: Assembly, numbers: set[str]) -> dict[str, str]:
    """Unit number → '5号楼 1单元 1层 0101' for the deemed-consent unit lists."""
    if not numbers:
        return {}
    rows = RollPart.objects.filter(assembly=assembly, unit_number__in=numbers).values_list(
        "unit_number", "label"
    )
    return {number: label or number for number, label in rows}


def certificate_context(*, assembly: Assembly) -> dict[str, Any]:
    """Everything the certificate states, from the stored tally (raises WrongState `not_tallied` before it)."""
    data = assembly_results(assembly=assembly)
    area_total = assembly.area_total or Decimal("0.00")
    heads_total = assembly.heads_total or 0
    motions_by_id = {m.pk: m for m in assembly_motions(assembly=assembly)}
    deemed_numbers = {
        n for m in data["motions"] if m["deemed_consent"] for n in m["deemed_consent"].get("units", [])
    }
    places = _places(assembly, deemed_numbers)
    motions = []
    for row in data["motions"]:
        motion = motions_by_id[row["id"]]
        election = motion.kind == Motion.Kind.ELECTION
        count = _count(area_total, heads_total, row["area"], row["heads"])
        item: dict[str, Any] = {
            **row,
            "position": motion.position,
            "election": election,
            "category_label": category_label(row["category"]),
            "threshold_name": THRESHOLD_NAMES[row["threshold"]],
            "threshold_text": THRESHOLD_TEXT[row["threshold"]],
            "outcome_label": OUTCOME_LABELS.get(row["outcome"], row["outcome"]),
            "table": _table(count),
            "checks": _labelled(row["inequalities"], row["threshold"]),
        }
        if election:
            # An election's own line is participation only (the tally books returned ballots as "abstain");
            # the votes are per candidate, each needing the ordinary majority on both dimensions.
            item["table"] = item["table"][:2]
            item["checks"] = _labelled(
                [r for r in inequalities(count, major=False) if r["name"].startswith("quorum")], "ordinary"
            )
            item["candidate_rows"] = [
                {
                    **cand,
                    "status_label": CANDIDATE_STATUS_LABELS.get(cand["status"], cand["status"]),
                    "outcome_label": CANDIDATE_OUTCOME_LABELS.get(cand["outcome"], cand["outcome"]),
                    "table": _table(_count(area_total, heads_total, cand["area"], cand["heads"]))[1:],
                    "checks": _labelled(
                        inequalities(
                            _count(area_total, heads_total, cand["area"], cand["heads"]), major=False
                        ),
                        "ordinary",
                    ),
                }
                for cand in row["candidates"] or []
            ]
        deemed = row["deemed_consent"]
        if deemed:
            dc = _count(area_total, heads_total, deemed["area"], deemed["heads"])
            item["deemed"] = {
                "side": deemed["side"],
                "side_label": SIDE_LABELS.get(deemed["side"], ""),
                "outcome": deemed["outcome"],
                "outcome_label": OUTCOME_LABELS.get(deemed["outcome"], deemed["outcome"]),
                "table": _table(dc),
                "checks": _labelled(inequalities(dc, major=motion.is_major), row["threshold"]),
                "units": [{"number": n, "place": places.get(n, "")} for n in deemed["units"]],
            }
        motions.append(item)
    return {
        "assembly": assembly,
        "results": data,
        "motions": motions,
        "policy": policy_rows(assembly=assembly),
        "roll": data["roll"],
        "published": assembly.status == Assembly.Status.PUBLISHED,
        "abstain_note": ABSTAIN_NOTE,
        "generated_at": timezone.localtime(),
    }


# ------------------------------------------------------------------------------------------------ XLSX

_TWO_PLACES = "0.00"
_BOLD = Font(bold=True)


def _put(ws: Any, row: int, values: list[Any], *, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        if value is None:
            continue
        cell = xlsx_put(ws, row=row, column=col, value=value)
        if isinstance(value, Decimal):
            cell.number_format = _TWO_PLACES
        if bold:
            cell.font = _BOLD


def certificate_xlsx(*, assembly: Assembly) -> bytes:
    """The certificate as one XLSX sheet: the same numbers, areas as numbers with two decimals."""
    ctx = certificate_context(assembly=assembly)
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("表决结果"))
    local = timezone.localtime
    r = 1
    _put(ws, r, [str(_("业主大会会议表决结果公告"))], bold=True)
    r += 2
    head = [
        (_("小区"), assembly.compound.name),
        (_("会议名称"), assembly.title),
        (_("会议类型"), assembly.get_kind_display()),
        (_("状态"), assembly.get_status_display()),
        (_("投票开始"), local(assembly.opens_at).strftime("%Y-%m-%d %H:%M")),
        (_("投票截止"), local(assembly.closes_at).strftime("%Y-%m-%d %H:%M")),
        (_("名册指纹"), ctx["roll"]["fingerprint"]),
        (_("专有部分总面积（A_total，㎡）"), assembly.area_total or Decimal("0.00")),
        (_("业主总人数（N_total）"), assembly.heads_total or 0),
        (_("专有部分数"), assembly.parts_total or 0),
    ]
    for label, value in head:
        _put(ws, r, [str(label), value])
        r += 1
    for p in ctx["policy"]:
        _put(ws, r, [p["label"], p["value"], p["note"] or None])
        r += 1

    r += 1
    _put(
        ws,
        r,
        [
            str(_("序号")),
            str(_("事项")),
            str(_("类别")),
            str(_("表决规则")),
            "A_total",
            "N_total",
            "A_part",
            "N_part",
            "A_for",
            "N_for",
            "A_against",
            "N_against",
            "A_abstain",
            "N_abstain",
            str(_("结果")),
        ],
        bold=True,
    )
    r += 1
    area_total, heads_total = assembly.area_total or Decimal("0.00"), assembly.heads_total or 0
    for m in ctx["motions"]:
        area, heads = m["area"], m["heads"]
        numbers: list[Any] = [area_total, heads_total, Decimal(area["participating"]), heads["participating"]]
        if m["election"]:
            numbers += [None] * 6
            result = str(_("选举，见候选人结果"))
        else:
            numbers += [
                Decimal(area["for"]),
                heads["for"],
                Decimal(area["against"]),
                heads["against"],
                Decimal(area["abstain"]),
                heads["abstain"],
            ]
            result = str(m["outcome_label"])
        _put(
            ws,
            r,
            [m["position"], m["title"], m["category_label"], str(m["threshold_name"]), *numbers, result],
        )
        r += 1

    r += 1
    _put(
        ws, r, [str(_("序号")), str(_("事项")), str(_("检验")), str(_("算式")), str(_("是否成立"))], bold=True
    )
    r += 1
    for m in ctx["motions"]:
        for check in m["checks"]:
            holds = str(_("成立") if check["holds"] else _("不成立"))
            _put(ws, r, [m["position"], m["title"], check["label"], check["expression"], holds])
            r += 1
        for cand in m.get("candidate_rows", []):
            for check in cand["checks"]:
                holds = str(_("成立") if check["holds"] else _("不成立"))
                label = f"{cand['name']}：{check['label']}"
                _put(ws, r, [m["position"], m["title"], label, check["expression"], holds])
                r += 1

    elections = [m for m in ctx["motions"] if m["election"]]
    if elections:
        r += 1
        _put(
            ws,
            r,
            [
                str(_("序号")),
                str(_("选举事项")),
                str(_("候选人")),
                str(_("应选人数")),
                "A_for",
                "N_for",
                "A_against",
                "N_against",
                "A_abstain",
                "N_abstain",
                str(_("结果")),
                str(_("当选情况")),
            ],
            bold=True,
        )
        r += 1
        for m in elections:
            for cand in m["candidate_rows"]:
                a, h = cand["area"], cand["heads"]
                _put(
                    ws,
                    r,
                    [
                        m["position"],
                        m["title"],
                        cand["name"],
                        m["seats"],
                        Decimal(a["for"]),
                        h["for"],
                        Decimal(a["against"]),
                        h["against"],
                        Decimal(a["abstain"]),
                        h["abstain"],
                        str(cand["outcome_label"]),
                        str(cand["status_label"]),
                    ],
                )
                r += 1

    deemed = [m for m in ctx["motions"] if m.get("deemed")]
    if deemed:
        r += 1
        _put(
            ws,
            r,
            [
                str(_("序号")),
                str(_("事项（视为同意计票）")),
                str(_("处理")),
                "A_part",
                "N_part",
                "A_for",
                "N_for",
                "A_against",
                "N_against",
                "A_abstain",
                "N_abstain",
                str(_("结果")),
                str(_("视为同意的房屋")),
            ],
            bold=True,
        )
        r += 1
        for m in deemed:
            d = m["deemed"]
            t = {row["symbols"]: row for row in d["table"]}
            part, yes = t["A_part / N_part"], t["A_for / N_for"]
            no, abstain = t["A_against / N_against"], t["A_abstain / N_abstain"]
            _put(
                ws,
                r,
                [
                    m["position"],
                    m["title"],
                    str(d["side_label"]),
                    part["area"],
                    part["heads"],
                    yes["area"],
                    yes["heads"],
                    no["area"],
                    no["heads"],
                    abstain["area"],
                    abstain["heads"],
                    str(d["outcome_label"]),
                    "、".join(u["number"] for u in d["units"]),
                ],
            )
            r += 1

    widths = {1: 10, 2: 28, 3: 30, 4: 28}
    for col in range(1, 16):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 12)
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
