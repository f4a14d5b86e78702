#!/usr/bin/env python3
"""Prints the `bench-summary` section of BENCHMARKS.md: the machine, and every target met or not.

Usage: scripts/bench-summary.py RESULTS_DIR

Each target is computed from the results files the benchmark scripts leave in RESULTS_DIR (functions.json,
store.json, gateway.json, list.json); a target whose figures are missing keeps the row BENCHMARKS.md has for it (its
date says when it was measured), or is reported as not measured when it has none. `run.json`,
written by scripts/bench.sh, gives the total run time of `make bench`.
"""

import datetime
import json
import os
import platform
import subprocess
import sys

MB = 1024  # kB


def load(results_dir, name):
    path = os.path.join(results_dir, f"{name}.json")
    return json.load(open(path)) if os.path.exists(path) else None


def ms(value):
    return f"{value:.2f} ms"


def megabytes(kilobytes):
    return f"{kilobytes / MB:.1f} MB"


class Target:
    """One row: what is promised, what was measured, the limit it was held to, and whether it was met."""

    def __init__(self, promise, measured_at=None, measured=None, limit=None, met=None):
        self.promise, self.measured_at, self.measured, self.limit, self.met = (
            promise, measured_at, measured, limit, met)

    def row(self):
        if self.met is None:
            return f"| {self.promise} | not measured | — | — | — |"
        verdict = "met" if self.met else "**not met**"
        return f"| {self.promise} | {self.measured} | {self.limit} | {verdict} | {self.measured_at} |"


def function_targets(functions, store):
    get_order = Target("`get-order` per process within 2× of `/bin/true`")
    create_order = Target("`create-order` per process within 2× of (durable-write floor + `get-order`)")
    memory = Target("A handler's peak memory under 20 MB (`get-order`, `create-order`)")
    if functions:
        at = functions["measured_at"]
        process = functions["process_median_ms"]
        floor, get = process["/bin/true"], process["get-order"]
        get_order = Target(
            get_order.promise, at, f"{ms(get)} ({get / floor:.1f}× {ms(floor)})", f"≤ {ms(2 * floor)}",
            get <= 2 * floor)
        rss = functions["peak_rss_kb"]
        largest = max(rss["get-order"], rss["create-order"])
        memory = Target(
            memory.promise, at, f"{megabytes(rss['get-order'])}, {megabytes(rss['create-order'])}", "< 20.0 MB",
            largest < 20 * MB)
        if store:
            write_floor = store["median_ms"]["floor, new document"]
            create = process["create-order"]
            limit = 2 * (write_floor + get)
            create_order = Target(
                create_order.promise, at, ms(create),
                f"≤ 2 × ({ms(write_floor)} + {ms(get)}) = {ms(limit)}", create <= limit)
    return [get_order, create_order, memory]


def gateway_targets(gateway):
    promises = {
        ("memory", "per request"): "Gateway peak memory under 100 MB at 64 connections, a process per request",
        ("memory", "warm"): "Gateway peak memory under 100 MB at 64 connections, warm",
        ("warm", "rps"): "Warm `GET /order/{id}` at least 3,000 requests/s",
        ("per request", "rps"): "Per-request `GET /order/{id}` at least 400 requests/s",
        ("per request", "p99"): "Per-request `GET /order/{id}` p99 under 50 ms",
        ("cpu", "get gateway"): "Warm `GET /order/{id}`: gateway CPU per request at most 0.15 ms",
        ("cpu", "get functions"): "Warm `GET /order/{id}`: worker CPU per request at most 0.25 ms",
        ("cpu", "post gateway"): "Warm `POST /order`: gateway CPU per request at most 0.2 ms",
        ("webhook", "per request"): "A webhook that never answers: `GET` p99 within 2× of a healthy webhook's, "
        "8 clients creating and 2 reading, a process per request",
        ("webhook", "warm"): "A webhook that never answers: `GET` p99 within 2× of a healthy webhook's, "
        "8 clients creating and 2 reading, warm",
    }
    if not gateway:
        return [Target(promise) for promise in promises.values()]
    at = gateway["measured_at"]
    results = gateway["results"]
    memory = {r["mode"]: r for r in results if r["kind"] == "memory"}
    get = {r["mode"]: r for r in results if r["kind"] == "throughput" and r["route"] == "GET /order/{id}"}
    targets = []
    for mode in ("per request", "warm"):
        peak = memory[mode]["gateway_peak_kb"]
        targets.append(Target(promises[("memory", mode)], at, megabytes(peak), "< 100.0 MB", peak < 100 * MB))
    warm = get["warm"]["requests_per_second"]
    targets.append(Target(promises[("warm", "rps")], at, f"{warm:,.0f}/s", "≥ 3,000/s", warm >= 3000))
    per_request = get["per request"]
    rps, p99 = per_request["requests_per_second"], per_request["p99_ms"]
    targets.append(Target(promises[("per request", "rps")], at, f"{rps:,.0f}/s", "≥ 400/s", rps >= 400))
    targets.append(Target(promises[("per request", "p99")], at, ms(p99), "< 50.00 ms", p99 < 50))
    post = {r["mode"]: r for r in results if r["kind"] == "throughput" and r["route"] == "POST /order"}
    for key, figures, field, limit in (
        ("get gateway", get["warm"], "gateway_cpu_ms_per_request", 0.15),
        ("get functions", get["warm"], "functions_cpu_ms_per_request", 0.25),
        ("post gateway", post["warm"], "gateway_cpu_ms_per_request", 0.2),
    ):
        cpu = figures.get(field)
        if cpu is None:
            targets.append(Target(promises[("cpu", key)]))
            continue
        targets.append(Target(promises[("cpu", key)], at, f"{cpu:.3f} ms", f"≤ {limit:.3f} ms", cpu <= limit))
    webhook = {(r["mode"], r["webhook"]): r for r in results if r["kind"] == "webhook"}
    for mode in ("per request", "warm"):
        healthy, silent = webhook.get((mode, "healthy")), webhook.get((mode, "silent"))
        if not healthy or not silent:
            targets.append(Target(promises[("webhook", mode)]))
            continue
        limit = 2 * healthy["p99_ms"]
        targets.append(
            Target(
                promises[("webhook", mode)], at, ms(silent["p99_ms"]), f"≤ 2 × {ms(healthy['p99_ms'])} = {ms(limit)}",
                silent["p99_ms"] <= limit))
    return targets


def list_target(listing):
    promise = "A page of `list-orders` at 100,000 orders within 2× of 1,000 (slowest growth of its cases)"
    if not listing:
        return Target(promise)
    worst = max(listing["cases"], key=lambda case: case["large_mean_ms"] / case["small_mean_ms"])
    growth = worst["large_mean_ms"] / worst["small_mean_ms"]
    return Target(
        promise.replace("100,000", f"{listing['large_orders']:,}").replace("1,000", f"{listing['small_orders']:,}"),
        listing["measured_at"], f"{growth:.2f}× (`{worst['case']}`: {ms(worst['small_mean_ms'])} → "
        f"{ms(worst['large_mean_ms'])})", "< 2×", growth < 2)


def store_targets(store):
    promises = {
        "create": "`store create` within 2× of the durable-write floor",
        "update": "`store update` within 1.5× of the durable-write floor (a rewrite)",
        "create flushes": "Flushes per create on a store that holds orders at most 3 (checkpoints included)",
        "status flushes": "Flushes per status change at most 2 (checkpoints included)",
        "delivered flushes": "Flushes per delivery (every event marked delivered) at most 2 (checkpoints included)",
    }
    if not store or "flushes_per_write" not in store:
        return [Target(promise) for promise in promises.values()]
    at, median, flushes = store["measured_at"], store["median_ms"], store["flushes_per_write"]
    targets = []
    for name, floor_name, factor in (("create", "floor, new document", 2), ("update", "floor, rewrite", 1.5)):
        value, floor = median[f"store {name}"], median[floor_name]
        targets.append(Target(
            promises[name], at, f"{ms(value)} ({value / floor:.2f}×)", f"≤ {factor} × {ms(floor)}",
            value <= factor * floor))
    for kind, limit in (("create", 3), ("status", 2), ("delivered", 2)):
        value = flushes[kind]
        targets.append(Target(promises[f"{kind} flushes"], at, f"{value:.2f}", f"≤ {limit}", value <= limit))
    return targets


def scale_targets(scale):
    promises = [
        "A page by status, city and customer at 1,000,000 orders within 2× of 1,000 (slowest growth)",
        "`get-order` at 1,000,000 orders within 1.5× of 1,000 (unchanged, on a noisy machine)",
        "At most 3 files per order in the largest store",
    ]
    if not scale:
        return [Target(promise) for promise in promises]
    at, small, large = scale["measured_at"], scale["sizes"][0], scale["sizes"][-1]
    growth = max(large["page_mean_ms"][case] / small["page_mean_ms"][case] for case in ("status", "city", "customer"))
    get = large["get_order_mean_ms"] / small["get_order_mean_ms"]
    sizes = f"{small['orders']:,} → {large['orders']:,}"
    return [
        Target(promises[0], at, f"{growth:.2f}× ({sizes})", "< 2×", growth < 2),
        Target(promises[1], at, f"{get:.2f}× ({sizes})", "≤ 1.5×", get <= 1.5),
        Target(promises[2], at, f"{large['files_per_order']:.2f}", "≤ 3", large["files_per_order"] <= 3),
    ]


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        "unknown CPU")
    memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        swift = "unknown"
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        ("CPU", cpu), ("Cores", str(os.cpu_count())), ("Memory", f"{memory_kb / MB / 1024:.1f} GiB"),
        ("Kernel", f"Linux {platform.release()}"), ("Swift", swift), ("Written", f"{now:%Y-%m-%dT%H:%MZ}"),
        ("Load average (1, 5, 15 min) when written", load),
    ]


def earlier_rows():
    """The target rows BENCHMARKS.md holds now, by promise: what a run that measured only some targets keeps."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "BENCHMARKS.md")
    if not os.path.exists(path):
        return {}
    rows = {}
    for line in open(path):
        cells = line.rstrip("\n").split(" | ")
        if line.startswith("| ") and len(cells) == 5 and cells[1] != "not measured":
            rows[cells[0][2:]] = line.rstrip("\n")
    return rows


def main():
    results_dir = sys.argv[1]
    run = load(results_dir, "run")
    targets = function_targets(load(results_dir, "functions"), load(results_dir, "store"))
    targets += gateway_targets(load(results_dir, "gateway"))
    targets.append(list_target(load(results_dir, "list")))
    targets += store_targets(load(results_dir, "store"))
    targets += scale_targets(load(results_dir, "scale"))
    duration = (
        f"The last `make bench` took {run['seconds'] // 60} min {run['seconds'] % 60} s, finishing {run['finished_at']}."
        if run else "")
    print("<!-- bench-summary:start -->")
    print("## Machine and targets")
    print()
    print("Written by `scripts/bench-summary.py` after each benchmark script, from the figures each one leaves in")
    print("`.build/bench/` (or `$BENCH_RESULTS`). Each target is computed from the figures of the sections below; the")
    print(f"last column says when they were measured. {duration}".rstrip())
    print()
    print("| Machine | |")
    print("| --- | --- |")
    for name, value in machine():
        print(f"| {name} | {value} |")
    print()
    print("| Target | Measured | Limit | Result | Measured at |")
    print("| --- | ---: | ---: | --- | --- |")
    kept = earlier_rows()
    for target in targets:
        print(kept.get(target.promise, target.row()) if target.met is None else target.row())
    print("<!-- bench-summary:end -->")


if __name__ == "__main__":
    main()
