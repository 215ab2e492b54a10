"""Lambda `expiry`: points expiry (积分过期), its PointsExpiring reminders and the release of
pending points, for every program at its own local midnight, and point holds that lapsed, every
minute. Started by its schedules; fans out through its own queue (partial batch failures)."""

from loyalty.api.sweep_events import sweep_function
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME", "SWEEP_QUEUE_URL")

handler = sweep_function(frozenset({"expiry", "expiry_reminders", "pending", "point_holds"}))
