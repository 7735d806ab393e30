"""A record as people read it — on the owner page, the printable A4 notice and the XLSX export alike: a few
headline figures and tables with Chinese headings. Pure: no queries beyond the record in hand."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from disclosure.labels import Direction, FeeBasis, FeeUse, FundMovement, Kind, LineCategory
from disclosure.models import Disclosure


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Presented:
    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


def _label(choices: type, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _column_labels() -> dict[str, str]:
    return {
        "name": _("名称/姓名"),
        "frequency": _("频次"),
        "standard": _("标准"),
        "note": _("备注"),
        "role": _("职务/岗位"),
        "phone": _("服务电话"),
        "title": _("标题"),
        "party": _("相对方"),
        "starts_on": _("起始日期"),
        "ends_on": _("终止日期"),
        "price": _("价格（元）"),
        "summary": _("摘要"),
        "published_on": _("公示日期"),
        "result": _("结果"),
        "term": _("任期"),
        "date": _("日期"),
        "assembly": _("业主大会"),
        "department": _("部门"),
        "duties": _("监管职责"),
    }


def _list_titles() -> dict[str, str]:
    return {
        "items": _("服务事项"),
        "contacts": _("项目负责人与管家"),
        "contracts": _("合同"),
        "tenders": _("招标公示"),
        "members": _("业委会成员"),
        "minutes": _("会议纪要"),
        "decisions": _("决定事项"),
        "entries": _("监管部门与投诉电话"),
    }


def title_of(d: Disclosure) -> str:
    return f"{d.compound.name} {Kind(d.kind).label} {d.period}".strip()


def present(d: Disclosure) -> Presented:
    """The record's headline figures and tables, by kind."""
    c = d.content
    out = Presented(title=title_of(d), note=c.get("note", ""))
    if d.kind == Kind.OPERATING_STATEMENT:
        out.figures = [
            (_("期初余额"), c["opening_balance"]),
            (_("收入合计"), c["totals"]["income"]),
            (_("支出合计"), c["totals"]["expense"]),
            (_("业主分成"), c["owners_share"]),
            (_("企业分成"), c["firm_share"]),
            (_("转入维修资金"), c["to_maintenance_fund"]),
            (_("期末余额"), c["closing_balance"]),
        ]
        out.tables = [
            Table(
                _("收支明细"),
                [_("收支"), _("项目"), _("金额（元）"), _("摘要")],
                [
                    [
                        _label(Direction, x["direction"]),
                        _label(LineCategory, x["category"]),
                        x["amount"],
                        x["summary"],
                    ]
                    for x in c["lines"]
                ],
            )
        ]
    elif d.kind == Kind.MAINTENANCE_FUND:
        out.figures = [
            (_("期初余额"), c["opening_balance"]),
            (_("缴存"), c["totals"]["deposits"]),
            (_("利息"), c["totals"]["interest"]),
            (_("使用"), c["totals"]["uses"]),
            (_("期末余额"), c["closing_balance"]),
        ]

        def approval(m: dict[str, Any]) -> str:
            if m["kind"] != FundMovement.USE:
                return ""
            if m.get("motion"):
                return _("表决事项 #%(id)s") % {"id": m["motion"]}
            return _("应急使用（业委会、街道已批准）")

        out.tables = [
            Table(
                _("资金变动"),
                [_("类型"), _("金额（元）"), _("摘要"), _("批准")],
                [
                    [_label(FundMovement, m["kind"]), m["amount"], m["summary"], approval(m)]
                    for m in c["movements"]
                ],
            )
        ]
    elif d.kind == Kind.FEE_STANDARD:
        out.tables = [
            Table(
                _("收费标准"),
                [_("用途"), _("服务等级"), _("元/㎡·月"), _("包含内容"), _("执行期"), _("依据")],
                [
                    [
                        _label(FeeUse, x["use"]),
                        x["grade"],
                        x["price"],
                        x["includes"],
                        f"{x['effective_from']} – {x['effective_to'] or _('至今')}",
                        _label(FeeBasis, x["basis"]) + (f" #{x['motion']}" if x.get("motion") else ""),
                    ]
                    for x in c["items"]
                ],
            )
        ]
    else:
        labels, titles = _column_labels(), _list_titles()
        for name, rows in c.items():
            if name == "note" or not rows:
                continue
            keys: list[str] = []
            for row in rows:
                keys += [k for k in row if k not in keys]
            out.tables.append(
                Table(
                    titles.get(name, name),
                    [labels.get(k, k) for k in keys],
                    [[r.get(k, "") for k in keys] for r in rows],
                )
            )
    return out
