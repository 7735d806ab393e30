"""What a refused write must leave exactly as it was: every row of the platform's own tables."""

import hashlib

from django.apps import apps

# Tables a refusal is expected to write to: the record of what was refused, and why.
REFUSAL_LOGS = {"voting.VoteRefusal", "registry.SignupAttempt"}
# Columns a sign-in moves (the test client signs in after the snapshot).
SESSION_COLUMNS = {"last_login"}


def database_state() -> dict[str, str]:
    """A digest of every row of every model of the platform's apps (refusal logs aside)."""
    state = {}
    for label in ("registry", "voting", "complaints", "disclosure", "partybuilding"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in REFUSAL_LOGS:
                continue
            columns = [f.attname for f in model._meta.concrete_fields if f.attname not in SESSION_COLUMNS]
            rows = model._default_manager.order_by("pk").values_list(*columns)
            state[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state
