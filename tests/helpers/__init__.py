"""Helpers shared by the whole suite: fixtures for the fakes, audio and storage, clocks,
polling, and the end-to-end harness. Pytest loads the fixture modules as plugins from
``tests/conftest.py``; the rest is imported where needed."""
