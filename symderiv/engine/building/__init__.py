"""Building a claim's steps at concrete sizes: instances and index values, the evaluator, SymPy arrays."""
