"""The result certificate (结果公告): plain-Chinese labels for art. 278 categories, thresholds, inequalities and
policy switches, the page context built from `voting.selectors.assembly_results`, and the XLSX export.

Presentation only: every number comes from the stored tally; nothing here counts a ballot.
"""

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from config.spreadsheets import xlsx_put
from registry.models import Region
from voting.labels import (
    ABSTAIN_NOTE,
    AREA_TOTAL_LABEL,
    CANDIDATE_HEADERS,
    CANDIDATE_OUTCOME_LABELS,
    CANDIDATE_STATUS_LABELS,
    COUNT_BASIS,
    COUNT_COLUMNS,
    COUNT_HEADERS,
    COUNT_LABELS,
    DEEMED_SUMMARY,
    ELECTED_NAMES,
    HEADS_TOTAL_LABEL,
    INEQUALITY_LABELS,
    NOBODY_ELECTED,
    NOTICE_DATE,
    NOTICE_LABELS,
    OBJECTION_TEXT,
    OUTCOME_LABELS,
    PARTS_TOTAL_LABEL,
    SIDE_LABELS,
    STREET_OFFICE,
    SUMMARY_BOUNDS,
    SUMMARY_SEPARATOR,
    SUMMARY_TERMS,
    THRESHOLD_NAMES,
    THRESHOLD_SHORT,
    THRESHOLD_TEXT,
    TIED_NAMES,
    TOWN_GOVERNMENT,
    category_label,
)
from voting.models import Assembly, Motion, RollPart
from voting.rules import QUORUM_NOT_MET, Count, inequalities, percent_down, quorum_met
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
    """The five lines of a motion's count, each percentage (rounded down) against the basis the law compares
    it with: participation against the total (quorum), each choice against participants (approval)."""
    values = {
        "total": (c.area_total, c.heads_total),
        "participating": (c.area_participating, c.heads_participating),
        "for": (c.area_for, c.heads_for),
        "against": (c.area_against, c.heads_against),
        "abstain": (c.area_abstain, c.heads_abstain),
    }
    rows = []
    for key, (area, heads) in values.items():
        basis = COUNT_BASIS[key]
        row: dict[str, Any] = {
            "key": key,
            "label": COUNT_LABELS[key],
            "basis": basis,
            "area": area,
            "heads": heads,
            "area_percent": "",
            "heads_percent": "",
        }
        if basis is not None:
            area_whole, heads_whole = values[basis]
            row["area_percent"] = percent_down(area, area_whole)
            row["heads_percent"] = percent_down(heads, heads_whole)
        rows.append(row)
    return rows


def _worked(c: Count, *, rule: str, names: tuple[str, str]) -> str:
    """Two inequalities with their figures on one line: "同意面积 700.00㎡ / 参与 800.00㎡ = 87.50% > 50%；…".
    The sign is the exact check's (rules.inequalities), so a rounded-down percentage never misleads."""
    holds = {r["name"]: r["holds"] for r in inequalities(c, major=rule == "major")}
    figures = {
        "quorum_area": (c.area_participating, c.area_total),
        "quorum_heads": (c.heads_participating, c.heads_total),
        "approval_area": (c.area_for, c.area_participating),
        "approval_heads": (c.heads_for, c.heads_participating),
    }
    terms = []
    for name in names:
        part, whole = figures[name]
        bound, sign_holds, sign_fails = SUMMARY_BOUNDS["quorum" if name.startswith("quorum") else rule]
        terms.append(
            str(SUMMARY_TERMS[name])
            % {
                "part": part,
                "whole": whole,
                "percent": percent_down(part, whole),
                "sign": sign_holds if holds[name] else sign_fails,
                "bound": bound,
            }
        )
    return str(SUMMARY_SEPARATOR).join(terms)


_QUORUM = ("quorum_area", "quorum_heads")
_APPROVAL = ("approval_area", "approval_heads")


def _matter_line(c: Count, *, threshold: str, outcome: str) -> str:
    """Quorum not met: the two participation inequalities; otherwise the two approval inequalities."""
    names = _QUORUM if outcome == QUORUM_NOT_MET else _APPROVAL
    return _worked(c, rule=threshold, names=names)


def _election_outcome(candidates: list[dict[str, Any]], *, quorum: bool) -> tuple[str, str]:
    """(css class, label) of an election in the summary: who is elected, and any unbroken tie."""
    if not quorum:
        return QUORUM_NOT_MET, str(OUTCOME_LABELS[QUORUM_NOT_MET])
    elected = [c["name"] for c in candidates if c["status"] == "elected"]
    tied = [c["name"] for c in candidates if c["status"] == "tie"]
    parts = [str(ELECTED_NAMES) % {"names": "、".join(elected)} if elected else str(NOBODY_ELECTED)]
    if tied:
        parts.append(str(TIED_NAMES) % {"names": "、".join(tied)})
    css = "elected" if elected and not tied else ("tie" if tied else "not_elected")
    return css, str(SUMMARY_SEPARATOR).join(parts)


def _candidate_row(cand: dict[str, Any], count: Count) -> dict[str, Any]:
    """One candidate as every rendering shows it: votes for (area, heads) with their share of participants,
    whether that reaches the ordinary majority, and the seat status."""
    return {
        **cand,
        "status_label": CANDIDATE_STATUS_LABELS.get(cand["status"], cand["status"]),
        "outcome_label": CANDIDATE_OUTCOME_LABELS.get(cand["outcome"], cand["outcome"]),
        "area_for": count.area_for,
        "area_percent": percent_down(count.area_for, count.area_participating),
        "heads_for": count.heads_for,
        "heads_percent": percent_down(count.heads_for, count.heads_participating),
        "checks": _labelled(inequalities(count, major=False), "ordinary"),
    }


def result_issuer(*, assembly: Assembly) -> str:
    """Who issues the result notice: VOTING_RESULT_ISSUER, else the compound's street office (or town
    government) named from the registry; "" when the compound has no street above it."""
    if settings.VOTING_RESULT_ISSUER:
        return str(settings.VOTING_RESULT_ISSUER)
    region: Region | None = assembly.compound.community
    while region is not None and region.level != Region.Level.STREET:
        region = region.parent
    if region is None:
        return ""
    if region.name.endswith(("镇", "乡")):
        return str(TOWN_GOVERNMENT) % {"town": region.name}
    return str(STREET_OFFICE) % {"street": region.name}


def notice_context(*, assembly: Assembly) -> dict[str, Any]:
    """The notice's closing lines: issuer, seal, date of publication (blank until published), objection period."""
    issuer = result_issuer(assembly=assembly)
    days = settings.VOTING_OBJECTION_DAYS
    if assembly.published_at:
        day = timezone.localtime(assembly.published_at)
        date = str(NOTICE_DATE) % {"year": day.year, "month": day.month, "day": day.day}
    else:
        date = str(NOTICE_LABELS["blank_date"])
    return {
        "issuer": issuer,
        "seal": str(NOTICE_LABELS["seal"]),
        "date": date,
        "objection_days": days,
        "objection": str(OBJECTION_TEXT) % {"days": days, "issuer": issuer or NOTICE_LABELS["issuer"]},
    }


def _places(assembly: Assembly, numbers: set[str]) -> dict[str, str]:
    """Unit number → '5号楼 1单元 1层 0101' for the deemed-consent unit lists."""
    if not numbers:
        return {}
    rows = RollPart.objects.filter(assembly=assembly, unit_number__in=numbers).values_list(
        "unit_number", "label"
    )
    return {number: label or number for number, label in rows}


def certificate_context(*, assembly: Assembly) -> dict[str, Any]:
    """Everything the certificate states, from the stored tally (raises WrongState `not_tallied` before it):
    the summary first, then each motion's count, inequalities, candidates and deemed-consent count."""
    data = assembly_results(assembly=assembly)
    area_total = assembly.area_total or Decimal("0.00")
    heads_total = assembly.heads_total or 0
    motions_by_id = {m.pk: m for m in assembly_motions(assembly=assembly)}
    deemed_numbers = {
        n for m in data["motions"] if m["deemed_consent"] for n in m["deemed_consent"].get("units", [])
    }
    places = _places(assembly, deemed_numbers)
    motions, summary = [], []
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
            # An election's own count is participation only (the tally books each returned ballot as
            # "abstain" there, which no page shows); the votes are per candidate, each needing the ordinary
            # majority on both dimensions.
            item["table"] = item["table"][:2]
            item["checks"] = _labelled(
                [r for r in inequalities(count, major=False) if r["name"].startswith("quorum")], "ordinary"
            )
            item["candidate_rows"] = [
                _candidate_row(cand, _count(area_total, heads_total, cand["area"], cand["heads"]))
                for cand in row["candidates"] or []
            ]
            item["outcome"], item["outcome_label"] = _election_outcome(
                item["candidate_rows"], quorum=quorum_met(count)
            )
            line = _worked(count, rule="ordinary", names=_QUORUM)
        else:
            line = _matter_line(count, threshold=row["threshold"], outcome=row["outcome"])
        entry = {
            "id": row["id"],
            "position": motion.position,
            "title": row["title"],
            "election": election,
            "outcome": item["outcome"],
            "outcome_label": str(item["outcome_label"]),
            "line": line,
            "deemed": None,
        }
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
            entry["deemed"] = {
                "label": str(DEEMED_SUMMARY),
                "outcome": deemed["outcome"],
                "outcome_label": str(item["deemed"]["outcome_label"]),
                "line": _matter_line(dc, threshold=row["threshold"], outcome=deemed["outcome"]),
            }
        motions.append(item)
        summary.append(entry)
    return {
        "assembly": assembly,
        "results": data,
        "summary": summary,
        "motions": motions,
        "policy": policy_rows(assembly=assembly),
        "roll": data["roll"],
        "published": assembly.status == Assembly.Status.PUBLISHED,
        "notice": notice_context(assembly=assembly),
        "labels": {
            **NOTICE_LABELS,
            "area_total": AREA_TOTAL_LABEL,
            "heads_total": HEADS_TOTAL_LABEL,
            "parts_total": PARTS_TOTAL_LABEL,
        },
        "count_headers": COUNT_HEADERS,
        "candidate_headers": CANDIDATE_HEADERS,
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


def _count_columns() -> list[str]:
    """The motions table's count columns, each spelt out with its basis ("同意面积占参与表决面积")."""
    columns = [str(AREA_TOTAL_LABEL), str(HEADS_TOTAL_LABEL)]
    for key in ("participating", "for", "against", "abstain"):
        line, basis = COUNT_LABELS[key], COUNT_BASIS[key]
        columns += [
            str(COUNT_COLUMNS["area"]) % {"line": line},
            str(COUNT_COLUMNS["area_percent"]) % {"line": line, "basis": COUNT_HEADERS[f"area_of_{basis}"]},
            str(COUNT_COLUMNS["heads"]) % {"line": line},
            str(COUNT_COLUMNS["heads_percent"]) % {"line": line, "basis": COUNT_HEADERS[f"heads_of_{basis}"]},
        ]
    return columns


def _count_cells(table: list[dict[str, Any]], *, with_total: bool = True) -> list[Any]:
    """A count table (see `_table`) as the cells under `_count_columns`; lines it lacks show "—"."""
    rows = {row["key"]: row for row in table}
    cells: list[Any] = []
    if with_total:
        cells += [rows["total"]["area"], rows["total"]["heads"]]
    for key in ("participating", "for", "against", "abstain"):
        row = rows.get(key)
        cells += [row["area"], row["area_percent"], row["heads"], row["heads_percent"]] if row else ["—"] * 4
    return cells


def certificate_xlsx(*, assembly: Assembly) -> bytes:
    """The certificate as one XLSX sheet, summary first: the same labels, numbers and percentage bases as the
    page; areas as numbers with two decimals, percentages as the page prints them (rounded down)."""
    ctx = certificate_context(assembly=assembly)
    labels = ctx["labels"]
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("表决结果"))
    local = timezone.localtime
    r = 1
    _put(ws, r, [str(_("业主大会会议表决结果公告"))], bold=True)
    _put(ws, r + 1, [f"{assembly.compound.name} · {assembly.title}"])
    r += 3

    _put(ws, r, [str(labels["summary"])], bold=True)
    r += 1
    _put(ws, r, [str(_("序号")), str(_("事项")), str(_("结果")), str(labels["check"])], bold=True)
    r += 1
    for entry in ctx["summary"]:
        _put(ws, r, [entry["position"], entry["title"], entry["outcome_label"], entry["line"]])
        r += 1
        if entry["deemed"]:
            d = entry["deemed"]
            _put(
                ws, r, [entry["position"], f"{entry['title']}（{d['label']}）", d["outcome_label"], d["line"]]
            )
            r += 1
    notice = ctx["notice"]
    r += 1
    _put(ws, r, [str(labels["objection"]), notice["objection"]])
    _put(ws, r + 1, [str(labels["issuer"]), f"{notice['issuer']}{notice['seal']}"])
    _put(ws, r + 2, [str(labels["date"]), notice["date"]])
    r += 4

    head = [
        (_("小区"), assembly.compound.name),
        (_("会议名称"), assembly.title),
        (_("会议类型"), assembly.get_kind_display()),
        (_("状态"), assembly.get_status_display()),
        (_("投票开始"), local(assembly.opens_at).strftime("%Y-%m-%d %H:%M")),
        (_("投票截止"), local(assembly.closes_at).strftime("%Y-%m-%d %H:%M")),
        (_("名册指纹"), ctx["roll"]["fingerprint"]),
        (labels["area_total"], assembly.area_total or Decimal("0.00")),
        (labels["heads_total"], assembly.heads_total or 0),
        (labels["parts_total"], assembly.parts_total or 0),
    ]
    for label, value in head:
        _put(ws, r, [str(label), value])
        r += 1
    for p in ctx["policy"]:
        _put(ws, r, [p["label"], p["value"], p["note"] or None])
        r += 1

    r += 1
    heading = [str(_("序号")), str(_("事项")), str(_("类别")), str(_("表决规则")), *_count_columns()]
    _put(ws, r, [*heading, str(_("结果"))], bold=True)
    r += 1
    for m in ctx["motions"]:
        cells = [m["position"], m["title"], m["category_label"], str(m["threshold_name"])]
        _put(ws, r, [*cells, *_count_cells(m["table"]), str(m["outcome_label"])])
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
        h = ctx["candidate_headers"]
        _put(
            ws,
            r,
            [
                str(_("序号")),
                str(_("选举事项")),
                str(_("应选人数")),
                *(str(h[k]) for k in _CANDIDATE_KEYS),
            ],
            bold=True,
        )
        r += 1
        for m in elections:
            for cand in m["candidate_rows"]:
                _put(ws, r, [m["position"], m["title"], m["seats"], *_candidate_cells(cand)])
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
                *_count_columns()[2:],
                str(_("结果")),
                str(_("视为同意的房屋")),
            ],
            bold=True,
        )
        r += 1
        for m in deemed:
            d = m["deemed"]
            _put(
                ws,
                r,
                [
                    m["position"],
                    m["title"],
                    str(d["side_label"]),
                    *_count_cells(d["table"], with_total=False),
                    str(d["outcome_label"]),
                    "、".join(
                        f"{u['place']}（{u['number']}）" if u["place"] else u["number"] for u in d["units"]
                    ),
                ],
            )
            r += 1

    widths = {1: 10, 2: 28, 3: 24, 4: 40}
    for col in range(1, len(heading) + 2):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 14)
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# A candidate's cells, in the order of CANDIDATE_HEADERS (the page's candidate table follows the same order).
_CANDIDATE_KEYS = ("name", "area_for", "area_percent", "heads_for", "heads_percent", "outcome", "status")


def _candidate_cells(cand: dict[str, Any]) -> list[Any]:
    labels = {
        "name": cand["name"],
        "outcome": str(cand["outcome_label"]),
        "status": str(cand["status_label"]),
    }
    return [labels.get(k, cand.get(k)) for k in _CANDIDATE_KEYS]
