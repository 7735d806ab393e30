"""The city's calendar rules for an assembly, in one place: the minimum notice before voting opens and the
shortest and longest voting window (settings VOTING_MIN_NOTICE_DAYS, VOTING_MIN_WINDOW_DAYS,
VOTING_MAX_WINDOW_DAYS; api.md, "Configuration").

A day is a period of 24 hours counted from the moment itself: a notice published at 2026-12-01 10:00 meets a
15-day minimum for an opening at 2026-12-16 10:00, not at 09:59. A minimum of zero means no minimum. The
announcement, a reschedule (a fresh notice counted from the reschedule), the admin form's help text and every
refusal read these functions, so the rule and the dates people are told can never drift apart.

Dates told to people are Beijing time, rounded to the whole minute on the lawful side (the earliest opening
up, the latest close down), so the minute shown is itself allowed.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError

BEIJING = ZoneInfo("Asia/Shanghai")
_MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Limits:
    """The city's limits, in days of 24 hours."""

    notice_days: int
    min_window_days: int
    max_window_days: int


def limits() -> Limits:
    """The limits configured for this city (read at call time: tests and deployments override settings)."""
    return Limits(
        notice_days=settings.VOTING_MIN_NOTICE_DAYS,
        min_window_days=settings.VOTING_MIN_WINDOW_DAYS,
        max_window_days=settings.VOTING_MAX_WINDOW_DAYS,
    )


def _ceil_minute(moment: dt.datetime) -> dt.datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + _MINUTE


def _floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def earliest_opens_at(*, notice_at: dt.datetime) -> dt.datetime:
    """The first whole minute (Beijing time) voting may open for a notice published at `notice_at`."""
    return _ceil_minute((notice_at + dt.timedelta(days=limits().notice_days)).astimezone(BEIJING))


def earliest_closes_at(*, opens_at: dt.datetime) -> dt.datetime:
    """The first whole minute (Beijing time) voting may close when it opens at `opens_at`."""
    return _ceil_minute((opens_at + dt.timedelta(days=limits().min_window_days)).astimezone(BEIJING))


def latest_closes_at(*, opens_at: dt.datetime) -> dt.datetime:
    """The last whole minute (Beijing time) voting may close when it opens at `opens_at`."""
    return _floor_minute((opens_at + dt.timedelta(days=limits().max_window_days)).astimezone(BEIJING))


def beijing(moment: dt.datetime) -> str:
    """'2026-12-16 10:00' in Beijing time (the form of every date in these messages)."""
    return f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M}"


def iso(moment: dt.datetime) -> str:
    """RFC 3339 with the +08:00 offset (api.md, "Conventions")."""
    return moment.astimezone(BEIJING).isoformat()


def schedule_problems(
    *, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime
) -> list[ApplicationError]:
    """Every city rule the dates break for a notice published at `now`, in the order they are checked
    (notice, then window), each as the refusal a service raises: a message naming the earliest (or latest)
    allowed time in Beijing time and `extra` carrying it as RFC 3339. Empty when the dates are lawful."""
    rules, problems = limits(), []
    if rules.notice_days and opens_at < now + dt.timedelta(days=rules.notice_days):
        earliest = earliest_opens_at(notice_at=now)
        problems.append(
            ApplicationError(
                _(
                    "公告须在投票开始前至少 %(days)s 天发布：现在公告的，投票最早可于 %(earliest)s（北京时间）开始。"
                )
                % {"days": rules.notice_days, "earliest": beijing(earliest)},
                code="notice_too_short",
                extra={"min_notice_days": rules.notice_days, "earliest_opens_at": iso(earliest)},
            )
        )
    window = closes_at - opens_at
    if rules.min_window_days and window < dt.timedelta(days=rules.min_window_days):
        earliest = earliest_closes_at(opens_at=opens_at)
        problems.append(
            ApplicationError(
                _(
                    "投票期不得少于 %(days)s 天：投票于 %(opens)s 开始的，最早可于 %(earliest)s（北京时间）截止。"
                )
                % {"days": rules.min_window_days, "opens": beijing(opens_at), "earliest": beijing(earliest)},
                code="window_too_short",
                extra={"min_window_days": rules.min_window_days, "earliest_closes_at": iso(earliest)},
            )
        )
    if window > dt.timedelta(days=rules.max_window_days):
        latest = latest_closes_at(opens_at=opens_at)
        problems.append(
            ApplicationError(
                _(
                    "投票期不得超过 %(days)s 天：投票于 %(opens)s 开始的，最晚须于 %(latest)s（北京时间）截止。"
                )
                % {"days": rules.max_window_days, "opens": beijing(opens_at), "latest": beijing(latest)},
                code="window_too_long",
                extra={"max_window_days": rules.max_window_days, "latest_closes_at": iso(latest)},
            )
        )
    return problems


def schedule_check(*, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> None:
    """Raise the first refusal of `schedule_problems` (400 `notice_too_short`, `window_too_short`,
    `window_too_long`); no side effects."""
    problems = schedule_problems(opens_at=opens_at, closes_at=closes_at, now=now)
    if problems:
        raise problems[0]


def rules_help(*, now: dt.datetime | None = None) -> dict[str, str]:
    """The help text of the dates on the assembly form: the city's limits and, for a notice published now,
    the earliest opening (Beijing time). Keys: `opens_at`, `closes_at`."""
    rules = limits()
    now = now or timezone.now()
    if rules.notice_days:
        opens = _(
            "本市规定公告须在投票开始前至少 %(days)s 天发布。若今天公告，最早可于 %(earliest)s（北京时间）开始投票。"
        ) % {"days": rules.notice_days, "earliest": beijing(earliest_opens_at(notice_at=now))}
    else:
        opens = _("本市未规定最短公告期：公告后即可开始投票。")
    if rules.min_window_days:
        closes = _("投票期不少于 %(min)s 天、不超过 %(max)s 天（每天按 24 小时计，自投票开始时起算）。") % {
            "min": rules.min_window_days,
            "max": rules.max_window_days,
        }
    else:
        closes = _("投票期不超过 %(max)s 天（每天按 24 小时计，自投票开始时起算）。") % {
            "max": rules.max_window_days
        }
    return {"opens_at": opens, "closes_at": closes}
