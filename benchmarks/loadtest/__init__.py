"""The load test's parts, run in order by benchmarks/load_test.py, and the paths they share.

fixture (what the simulated users read, with fresh API keys), servers (gunicorn and the Celery
worker started and stopped), locust_run (one headless locust run, the CPU and load it cost, the
server's own times), checks (the stock ledger and the orders afterwards), report (the Markdown).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "benchmarks" / "results"
WORK_DIR = ROOT / "var" / "load_test"
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
ACCESS_LOG = WORK_DIR / "access.log"
