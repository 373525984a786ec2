"""The 50,000-listing seller's whole stock as an XLSX export job, with the former writer and the current
one in turns, so both meet the same load.

    DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/6 python benchmarks/xlsx_export.py --runs 3

The job is the task's body (sellers.listing_exports.listing_export_build) run in-process: the rows with
their buy-box insight, the workbook, the private storage. *Former*: openpyxl's write-only workbook,
as the exports wrote it until session 6; *current*: sellers.xlsx. Prints a Markdown table and checks
that openpyxl reads the same cells back from both files.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def former_write(rows, handle, file_format) -> None:
    """The exports' XLSX writer until session 6: openpyxl write-only, every cell a string."""
    from openpyxl import Workbook

    from sellers.exports import neutralise

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="listings")
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    workbook.save(handle)


def _cells(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple("" if value is None else value for value in row)
            for row in sheet.iter_rows(values_only=True)]


def run(*, runs: int, log=print) -> dict:
    from django.utils import timezone

    from benchmarks.seller_pages import big_seller_session
    from sellers import listing_exports
    from sellers.models import ListingExport

    seller, _client, _facts = big_seller_session(log=log)
    user = seller.members.select_related("user").first().user
    writers = {"former (openpyxl write-only)": former_write, "current (sellers.xlsx)": listing_exports._write}
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in writers}
    files: dict[str, tuple[int, int, bytes]] = {}
    try:
        for turn in range(runs):
            for name, write in (writers.items() if turn % 2 == 0 else reversed(writers.items())):
                listing_exports._write = write
                ListingExport.objects.filter(seller=seller).delete()
                export = ListingExport.objects.create(
                    seller=seller, requested_by=user, filters={"status": "all"},
                    filters_key=f"bench-{turn}-{name}", file_format=ListingExport.Format.XLSX, total_rows=0,
                    expires_at=timezone.now() + timedelta(hours=1))
                started, cpu = time.perf_counter(), time.process_time()
                built = listing_exports.listing_export_build(export_id=export.pk)
                timings[name].append((time.perf_counter() - started, time.process_time() - cpu))
                with built.file.open("rb") as handle:
                    files[name] = (built.done_rows, built.file.size, handle.read())
                built.file.storage.delete(built.file.name)
                log(f"  {name}: {built.status}, {timings[name][-1][0]:.2f} s")
    finally:
        listing_exports._write = writers["current (sellers.xlsx)"]
        ListingExport.objects.filter(seller=seller).delete()
    former, current = (_cells(files[name][2]) for name in writers)
    rows = []
    for name in writers:
        wall = statistics.median(t[0] for t in timings[name])
        rows.append({"writer": name, "rows": files[name][0], "seconds": round(wall, 2),
                     "cpu_seconds": round(statistics.median(t[1] for t in timings[name]), 2),
                     "rows_per_second": round(files[name][0] / wall), "bytes": files[name][1], "runs": runs})
    return {"rows": rows, "same_cells": former == current, "load": os.getloadavg()}


def render(report: dict) -> str:
    load = report["load"]
    lines = [f"Load average at the end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} "
             f"cores; the same cells read back from both files: {'yes' if report['same_cells'] else 'NO'}.",
             "",
             "| writer | rows | median s | CPU s | rows a second | size |", "|---|---|---|---|---|---|"]
    for row in report["rows"]:
        lines.append(f"| {row['writer']} | {row['rows']:,} | {row['seconds']} | {row['cpu_seconds']} | "
                     f"{row['rows_per_second']:,} | {row['bytes'] / 1e6:.1f} MB |")
    former, current = report["rows"]
    lines += ["", f"Current against former: ×{former['seconds'] / current['seconds']:.1f} faster "
                  f"(CPU ×{former['cpu_seconds'] / current['cpu_seconds']:.1f})."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="jobs per writer, in turns")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    print(render(run(runs=args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
