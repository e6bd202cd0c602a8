"""The discussions module (see modules/discussions/README.md)."""
