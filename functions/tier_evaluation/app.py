"""Lambda `tier_evaluation`: the yearly tier review (保级) and its TierWillDowngrade reminders,
for every program at its own local time. Started hourly by its schedule; fans out through its
own queue (partial batch failures)."""

from loyalty.api.sweep_events import sweep_function
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME", "SWEEP_QUEUE_URL")

handler = sweep_function(frozenset({"tier_review"}))
