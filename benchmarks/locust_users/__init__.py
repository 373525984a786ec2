"""The load test's simulated users by kind, gathered by benchmarks/locustfile.py (the scenario).

base (the fixture, one loopback address and think times per user, logging in, API writes),
outcomes (answers the app gives on purpose, and the results file), shopper, sellers (by API and
by CSV), integrator.
"""
