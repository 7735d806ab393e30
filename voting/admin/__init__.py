"""The street office's assembly workflow in the Django admin, in Chinese.

- `assemblies` — the assembly page and its workflow (create with motions, announce, open, paper ballots,
  deliveries, proxies, close, tally, certificate review, publish, cancel; a unit's choices after the close);
- `records` — read-only records: ballots handed in, counted ballots, results, the log, refusals, choice
  accesses.

Who: superusers, and officials who see the compound as officials (`voting.permissions`); property firms and
owners have no access. An assembly outside the official's scope is "not found"; inside it but not theirs to
run (a seconded official) is a 403. Writes go through services only. While voting is open no page shows a
choice or a partial result, and no list can be filtered, searched or sorted by a choice (lookups by
allow-list). Individual choices are shown once voting has closed, to officials who give a reason, through
`ballot_choices_for_official` (which logs the access).
"""

from voting.admin import assemblies, records  # noqa: F401
