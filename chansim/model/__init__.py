"""The SimPy model's parts: demand generation, ordering policies, stock and orders."""
