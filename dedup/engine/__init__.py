"""The matcher: plain Python, no Django imports, so it can be tested and profiled alone."""
