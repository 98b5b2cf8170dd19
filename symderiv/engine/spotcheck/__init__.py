"""The independent numeric spot check: sample points, numpy evaluation, finite differences."""
