"""Errors the ML package raises on purpose: each message says what is wrong and what to do."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """A model folder is missing, incomplete or unreadable. The worker falls back to zero-shot."""


class TrainingDataError(ValueError):
    """A training or evaluation file cannot be used as it is; the message names the fix."""
