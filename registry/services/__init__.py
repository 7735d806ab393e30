"""Every write to the registry: one transaction each, with its audit row (STYLE.md).

- `places`: master data (regions, firms, compounds, parcels, contracts), buildings and entrances
- `registration`: the registration feed (不动产登记) consumer
- `accounts`: owner sign-up by identity matching, official and firm accounts
- `ownership`: designated voters of co-owned units
- `equipment`: facilities, equipment and their maintenance log
- `committees`: owners' committees filed by the street office
- `records`: plain staff edits of master data, with their audit row
- `calendar`: staff overrides of the working-day calendar (holidays, 调休)
- `quarantine`: reviewing refused feed lines
- `audit`: the audit row every service writes
- `photos`: the one photo pipeline of every app (check, orient, strip, shrink, store by content hash)
"""
