"""Derivation files shared by several test modules."""

# relu(x) = (x + |x|)/2 is true but not proved symbolically: its verdict is `numeric`
NUMERIC = """
[symbols]
x = "scalar"

[[claim]]
name = "relu by abs"
lhs  = "relu(x)"
rhs  = "(x + abs(x)) / 2"
"""

# one claim, proved quickly
GOOD = """
[symbols]
x = "scalar"

[[claim]]
name = "sigma"
lhs  = "sigma(x)"
rhs  = "1 / (1 + exp(-x))"
"""
