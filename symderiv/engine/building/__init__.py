"""Building a claim's steps at concrete sizes: instances, the evaluator, SymPy arrays, the graph."""
