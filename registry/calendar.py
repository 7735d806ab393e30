"""Working days and response-time clocks: pure, deterministic arithmetic (no database, no clock of its own —
every function takes the instants it needs). The complaints clocks (complaints.md, "Clocks") and later the
disclosure deadlines are built on it; the one read of the database is `registry.selectors.working_calendar_load`,
which loads the staff's overrides for a date range into a `WorkingCalendar`.

Working days, in order of precedence:
1. a `WorkingDayOverride` staff entered for the date (public holiday, 调休 make-up working day, correction);
2. the `chinesecalendar` library's data (the State Council's holidays and make-up days) for the years it
   covers (`LIBRARY_YEARS`);
3. beyond those years, Monday to Friday. A year the library does not know yet (and no staff override)
   therefore has no public holidays: staff enter the new year's notice as overrides.

Days are Beijing calendar days (Asia/Shanghai, no daylight saving since 1991); results are in Beijing time.

Clocks (`clock_state`). A clock consumes *clock time* from its start:
- a wall clock (`ClockSpec("wall", minutes)`) consumes wall time: 20 min, 30 min, 4 h, and 1 day = 1,440 min;
- a working-day clock (`ClockSpec("working_days", n)`) consumes only time that falls on working days, 24 h of
  clock time per working day. So a clock started on a working day at T ends at the same time of day on the
  n-th following working day (Friday 17:00 + 1 → Monday 17:00); one started on a non-working day starts
  counting at 00:00 of the next working day (Saturday 10:00 + 1 → 00:00 of the working day after Monday,
  i.e. the whole of Monday is the one day).
A pause (waiting for the complainant) consumes nothing: it moves the due time by its length in clock time
(wall time, or working time). An extension adds to the budget. The due time is the last instant at which
the clock has not consumed more than its budget: stopping exactly at it is on time (met), a microsecond
later is a breach. Warnings from 50 % and 80 % consumed (inclusive: exactly 50 % is `warn50`).
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as _library_data

BEIJING = ZoneInfo("Asia/Shanghai")
DAY = dt.timedelta(days=1)

# The years the library has data for (it raises NotImplementedError outside them).
LIBRARY_YEARS = range(min(_library_data.holidays).year, max(_library_data.holidays).year + 1)

# How far past the last instant asked about a calendar should be loaded so that a working-day clock finds its
# due time (a few working days, the Spring Festival's 9 days off, extensions): see working_calendar_load.
CALENDAR_LOOKAHEAD = dt.timedelta(days=62)

# How far a clock may look for its end before the arithmetic gives up (a calendar with no working day).
_MAX_DAYS = 3660

WALL = "wall"
WORKING_DAYS = "working_days"
ClockKind = Literal["wall", "working_days"]

LEVEL_OK = "ok"
LEVEL_WARN50 = "warn50"
LEVEL_WARN80 = "warn80"
LEVEL_BREACHED = "breached"
Level = Literal["ok", "warn50", "warn80", "breached"]


class CalendarRangeError(ValueError):
    """A day outside the range a `WorkingCalendar` was loaded for: load a wider range."""


# ------------------------------------------------------------------------------------------ days


def library_is_working_day(day: dt.date) -> bool:
    """The library's answer for years it covers; Monday to Friday for every other year (no holidays known)."""
    if day.year in LIBRARY_YEARS:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def is_working_day(day: dt.date, overrides: Mapping[dt.date, bool]) -> bool:
    """Whether `day` is a working day: a staff override for it, else the library, else Mon–Fri."""
    if day in overrides:
        return overrides[day]
    return library_is_working_day(day)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days over `[first, last]` (unbounded where None) with the staff overrides of that range.
    Answers are cached for the life of the object; a day outside the range raises `CalendarRangeError`
    rather than silently ignoring overrides that were not loaded."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    first: dt.date | None = None
    last: dt.date | None = None
    _answers: dict[dt.date, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def is_working_day(self, day: dt.date) -> bool:
        if (self.first is not None and day < self.first) or (self.last is not None and day > self.last):
            raise CalendarRangeError(f"{day} is outside the loaded calendar {self.first} – {self.last}")
        answer = self._answers.get(day)
        if answer is None:
            answer = self._answers[day] = is_working_day(day, self.overrides)
        return answer


# Library data and Mon–Fri only, every year (tests, and callers with no overrides to honour).
LIBRARY_CALENDAR = WorkingCalendar()


def beijing(moment: dt.datetime) -> dt.datetime:
    """The same instant in Beijing time (naive datetimes are refused: their instant is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(BEIJING)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING)


# ------------------------------------------------------------------------------------- clock time

Span = tuple[dt.datetime, dt.datetime | None]  # [from, to), to None = open-ended


def _counting_spans(start: dt.datetime, kind: str, calendar: WorkingCalendar) -> Iterator[Span]:
    """The stretches from `start` on in which a clock of `kind` consumes time, in order."""
    if kind == WALL:
        yield start, None
        return
    day = start.date()
    for _ in range(_MAX_DAYS):
        if calendar.is_working_day(day):
            yield max(start, _midnight(day)), _midnight(day + DAY)
        day += DAY
    raise ValueError(f"no end within {_MAX_DAYS} days of {start}")


def _without(spans: Iterable[Span], pauses: Sequence[tuple[dt.datetime, dt.datetime]]) -> Iterator[Span]:
    """`spans` minus the (sorted, disjoint) `pauses`."""
    for lo, hi in spans:
        for p_from, p_to in pauses:
            if p_to <= lo or (hi is not None and p_from >= hi):
                continue
            if p_from > lo:
                yield lo, p_from
            lo = max(lo, p_to)
        if hi is None or lo < hi:
            yield lo, hi


def _reach(spans: Iterable[Span], budget: dt.timedelta) -> dt.datetime:
    """The last instant by which the spans have consumed no more than `budget` (if the budget runs out at the
    end of a span, that is the start of the next one: the clock has not run on in between)."""
    remaining = budget
    for lo, hi in spans:
        if hi is None or remaining < hi - lo:
            return lo + remaining
        remaining -= hi - lo
    raise AssertionError("counting spans never end")  # pragma: no cover - _counting_spans raises first


def _consumed(spans: Iterable[Span], until: dt.datetime) -> dt.timedelta:
    """Clock time the spans consume before `until`."""
    total = dt.timedelta(0)
    for lo, hi in spans:
        if lo >= until:
            break
        total += min(hi, until) - lo if hi is not None else until - lo
    return total


def add_duration(start: dt.datetime, minutes: int) -> dt.datetime:
    """The end of a wall clock of `minutes` started at `start` (midnight and holidays make no difference)."""
    return beijing(start) + dt.timedelta(minutes=minutes)


def add_working_days(start: dt.datetime, n: int, calendar: WorkingCalendar) -> dt.datetime:
    """The end of an `n`-working-day clock started at `start`: the same time of day on the n-th following
    working day; from a non-working day, counting starts at 00:00 of the next working day. Beijing time."""
    if n < 0:
        raise ValueError("n must not be negative")
    return _reach(_counting_spans(beijing(start), WORKING_DAYS, calendar), n * DAY)


# ---------------------------------------------------------------------------------------- clocks


@dataclass(frozen=True)
class ClockSpec:
    """A clock's length: `amount` minutes of wall time, or `amount` working days."""

    kind: ClockKind
    amount: int

    def __post_init__(self) -> None:
        if self.kind not in (WALL, WORKING_DAYS):
            raise ValueError(f"unknown clock kind {self.kind!r}")
        if self.amount <= 0:
            raise ValueError("a clock's amount must be positive")

    @property
    def length(self) -> dt.timedelta:
        """The budget in clock time (a working day is 24 h of working time)."""
        return dt.timedelta(minutes=self.amount) if self.kind == WALL else self.amount * DAY


@dataclass(frozen=True)
class ClockState:
    """A clock as of one instant (`now`, or its stop once stopped).

    - `due_at`: the last on-time instant (Beijing time); during an open pause it moves with `now`;
    - `elapsed_fraction`: clock time consumed / budget (budget = length + extensions); 1.0 at `due_at`;
    - `level`: `ok` below 50 %, `warn50` from 50 %, `warn80` from 80 %, `breached` once past `due_at`;
    - `met`: None while running, else `stopped_at <= due_at`;
    - `frozen`: stopped — the state no longer depends on `now`;
    - `overdue_periods`: once breached, the whole further periods (the spec's length, in clock time, without
      extensions) consumed since the breach: 督办 goes up one level per period; 0 before and at the breach.
    """

    due_at: dt.datetime
    elapsed_fraction: float
    level: Level
    met: bool | None
    frozen: bool
    overdue_periods: int


Extension = dt.timedelta | int


def _budget(spec: ClockSpec, extensions: Iterable[Extension]) -> dt.timedelta:
    budget = spec.length
    for extension in extensions:
        if isinstance(extension, dt.timedelta):
            added = extension  # clock time: wall time, or working time for a working-day clock
        elif isinstance(extension, int) and not isinstance(extension, bool) and spec.kind == WORKING_DAYS:
            added = extension * DAY
        else:
            raise TypeError(
                "extensions are timedeltas (any clock) or whole working days (working-day clocks)"
            )
        if added < dt.timedelta(0):
            raise ValueError("an extension cannot shorten a clock")
        budget += added
    return budget


def _pauses(
    pauses: Iterable[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, at: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Pauses clipped to [start, at] (an open one runs to `at`), sorted and merged."""
    clipped = []
    for p_from, p_to in pauses:
        lo = max(beijing(p_from), start)
        hi = min(beijing(p_to), at) if p_to is not None else at
        if lo < hi:
            clipped.append((lo, hi))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for lo, hi in sorted(clipped):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _level(*, consumed: dt.timedelta, budget: dt.timedelta, breached: bool) -> Level:
    if breached:
        return LEVEL_BREACHED
    # timedelta × int is exact: 80 % and 50 % are compared without floating point.
    if consumed * 5 >= budget * 4:
        return LEVEL_WARN80
    if consumed * 2 >= budget:
        return LEVEL_WARN50
    return LEVEL_OK


def clock_state(
    *,
    started_at: dt.datetime,
    spec: ClockSpec,
    pauses: Iterable[tuple[dt.datetime, dt.datetime | None]] = (),
    extensions: Iterable[Extension] = (),
    stopped_at: dt.datetime | None,
    now: dt.datetime,
    calendar: WorkingCalendar,
) -> ClockState:
    """The state of a clock at `now` (or, once `stopped_at` is set, at its stop, whatever `now` is).

    `pauses` are (from, to) pairs, `to` None while the pause is open; a pause before the start, after the
    stop or after `now` counts only inside [started_at, stopped_at or now]; one that begins after the due
    time changes nothing (the clock is already breached). `extensions` are timedeltas of clock time or
    whole working days (working-day clocks)."""
    start = beijing(started_at)
    at = beijing(stopped_at) if stopped_at is not None else beijing(now)
    if at < start:
        if stopped_at is not None:
            raise ValueError("a clock cannot stop before it starts")
        at = start  # asked before the start: nothing consumed yet
    budget = _budget(spec, extensions)
    paused = _pauses(pauses, start, at)

    due_at = _reach(_without(_counting_spans(start, spec.kind, calendar), paused), budget)
    breached = at > due_at
    if breached:
        # Past the due time pauses no longer hold the clock: overdue time is plain clock time.
        overdue = _consumed(_counting_spans(due_at, spec.kind, calendar), at)
        consumed = budget + overdue
        overdue_periods = overdue // spec.length
    else:
        consumed = _consumed(_without(_counting_spans(start, spec.kind, calendar), paused), at)
        overdue_periods = 0

    return ClockState(
        due_at=due_at,
        elapsed_fraction=consumed / budget,
        level=_level(consumed=consumed, budget=budget, breached=breached),
        met=(at <= due_at) if stopped_at is not None else None,
        frozen=stopped_at is not None,
        overdue_periods=overdue_periods,
    )
