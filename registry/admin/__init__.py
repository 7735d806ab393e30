"""Staff pages of the registry (street offices, property firms, platform staff), in Chinese, by area:

- `places` — regions, firms, compounds, parcels, contracts, buildings, entrances;
- `housing` — units, unit-number versions and changes, owners and ownership history;
- `people` — firm staff, officials, owners' committees;
- `equipment` — facilities and equipment, the maintenance log;
- `feed` — the audit log, sign-up attempts, registration events, sync runs and the quarantine;
- `accounts` — platform accounts;
- `calendar` — the working-day calendar (holidays and 调休 overrides).
- `photos` — stored photos (superusers only, no picture).

Every page asks `registry.permissions` what it may list (`visible_q`), change (`may_change`) and offer in a
choice list (`relation_choices`); lookups in the URL are allowed only for the filters a page declares
(`config.admin.LookupAllowListMixin`). History is read-only for everyone, superusers included. Writes go
through services (`record_save`, `equipment_register`, `quarantine_reapply`, …), which check the change rule
themselves. Personal data stays masked; phone fields are write-only.
"""

from django.contrib import admin

from registry.admin import accounts, calendar, equipment, feed, housing, people, photos, places  # noqa: F401

# Bulk deletion from a list would bypass the per-object rule and the audit row: deletions go one by one
# through the page (and `record_delete`).
admin.site.disable_action("delete_selected")
