"""Schedules: when scheduled profiles are due (cron, time zone, scan window, catch-up)."""
