"""The package's version: the one place it is written (pyproject.toml reads it from here).

A record at the bottom of the import flow, like ``results`` and ``settings``: ``run.cache``
keys its entries by it without importing the package root.
"""
__version__ = "0.2.0"
