"""The benchmark marketplace's generator, one module per part it writes; benchmarks/generate.py runs them.

values (the clock, the row counts per scale, names and places), pg_copy (rows into tables by COPY),
catalog, sellers (their users, sellers and listings), orders, ledger (allocations and opening stock
movements), reviews (and the quality scores), dataset (what was generated, recorded in the database).
"""
