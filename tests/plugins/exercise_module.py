"""Placeholder; replaced by the module that exercises every hook."""
