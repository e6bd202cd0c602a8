"""Test helpers for Parvis and for module authors (query counting, the conformance kit)."""
