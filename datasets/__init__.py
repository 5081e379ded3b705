"""Ticket data for tests, demos and benchmarks: the synthetic generator and the starter KB."""
