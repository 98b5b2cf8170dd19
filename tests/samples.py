"""Derivation files shared by several test modules."""

# sqrt((1 + e^x)^2) = 1 + e^x is true but not proved symbolically: its verdict is `numeric`
# (relu(x) = (x + |x|)/2 served here until piecewise functions were proved by cases)
NUMERIC = """
[symbols]
x = "scalar"

[[claim]]
name = "root of a square"
lhs  = "sqrt(exp(2*x) + 2*exp(x) + 1)"
rhs  = "1 + exp(x)"
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
