"""Lambda `expiry`: points expiry (积分过期), its PointsExpiring reminders and the release of
pending points, for every program at its own local midnight. Started hourly by its schedules;
fans out through its own queue (partial batch failures)."""

from loyalty.api.sweep_events import sweep_function

handler = sweep_function(frozenset({"expiry", "expiry_reminders", "pending"}))
