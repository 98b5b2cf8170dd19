"""Refuting: certified witnesses in ball arithmetic, exact counterexamples, the diagnosis."""
