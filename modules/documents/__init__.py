"""The documents module (see modules/documents/README.md)."""
