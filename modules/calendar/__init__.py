"""The calendar module (see modules/calendar/README.md)."""
