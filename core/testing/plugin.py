"""pytest plugin shipped with Parvis (entry point ``pytest11``); see docs/testing.md."""
