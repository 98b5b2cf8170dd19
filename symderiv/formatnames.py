"""The report formats a config or ``--format`` may name.

A module of its own with no imports, so that building the CLI's parser (``--help``) imports
nothing but argparse and this; ``report.formats`` renders them.
"""
FORMATS = ("text", "json", "junit", "github", "sarif", "html")
