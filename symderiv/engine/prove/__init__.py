"""Proving: the exact stage (straight-line programs modulo fresh primes), the graph route, the case split of piecewise functions, the larger sizes."""
