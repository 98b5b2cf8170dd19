"""Limits a command line and a derivation file are both held to.

A module of its own with no imports, like ``formatnames``: the CLI's parser (``--help``) checks
``--sizes`` against it without importing ``settings`` (dataclasses and typing cost a third of --help).
"""
MAX_DIM = 512      # the largest size of a dim (--sizes, [check] sizes; the engine's instances)
