"""Shared pytest configuration: one deterministic, quick hypothesis profile for every test file."""
from hypothesis import settings

settings.register_profile("relu_lib", max_examples=100, derandomize=True, deadline=None)
settings.load_profile("relu_lib")
