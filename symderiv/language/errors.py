"""Errors the language layer raises while shapes are worked out."""
from __future__ import annotations


class ShapeError(ValueError):
    """An operation was given arrays of shapes it cannot take."""
