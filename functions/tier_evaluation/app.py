"""Lambda `tier_evaluation`: the yearly tier review (保级) and its TierWillDowngrade reminders,
for every program at its own local time. Started hourly by its schedule; fans out through its
own queue (partial batch failures)."""

from loyalty.api.sweep_events import sweep_function

handler = sweep_function(frozenset({"tier_review"}))
