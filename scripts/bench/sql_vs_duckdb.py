#!/usr/bin/env python3
"""DataFusion (through `finstream sql`) against DuckDB on the same Parquet history.

Runs every query of storage/tests/sql/queries.sql on both engines, checks that the
answers agree (floats to 1e-9 relative), and prints the times side by side.

    pip install duckdb                      # 1.x
    finstream history generate --trades 50000000 --data-dir /tmp/fs-50m
    scripts/bench/sql_vs_duckdb.py --data-dir /tmp/fs-50m --finstream target/release/finstream

With --golden DIR it instead writes DuckDB's answers as CSV files (one per query) for
the Rust test that checks DataFusion against them (tests/sql_duckdb.rs).
"""

import argparse
import csv
import io
import math
import os
import re
import subprocess
import sys
import time

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUERIES = os.path.join(ROOT, "storage", "tests", "sql", "queries.sql")
TABLES = {"trades": "market.trades.v1", "quotes": "market.quotes.v1"}


def load_queries():
    text = open(QUERIES, encoding="utf-8").read()
    out = []
    for block in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        name, _, body = block.partition("\n")
        out.append((name.strip(), body.strip().rstrip(";")))
    return out


def duckdb_dialect(sql):
    return sql.replace("first_by(", "arg_min(").replace("last_by(", "arg_max(")


def duck_connect(history):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table, topic in TABLES.items():
        path = os.path.join(history, topic, "**", "*.parquet")
        # DuckDB's date functions take microsecond timestamps (the generated history's
        # times are whole milliseconds, so nothing is lost).
        con.execute(
            f"CREATE VIEW {table} AS SELECT * REPLACE (CAST(event_time AS TIMESTAMPTZ) AS event_time) "
            f"FROM read_parquet('{path}', hive_partitioning = true, hive_types = {{'date': VARCHAR}})"
        )
    return con


def run_duckdb(con, sql):
    start = time.perf_counter()
    cur = con.execute(duckdb_dialect(sql))
    rows = cur.fetchall()
    elapsed = time.perf_counter() - start
    header = [d[0] for d in cur.description]
    return header, [[norm(v) for v in r] for r in rows], elapsed


def run_finstream(binary, data_dir, sql):
    proc = subprocess.run(
        [binary, "sql", sql, "--format", "csv", "--data-dir", data_dir],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    m = re.search(r"rows? in ([0-9.]+) s", proc.stderr)
    elapsed = float(m.group(1)) if m else float("nan")
    reader = csv.reader(io.StringIO(proc.stdout))
    header = next(reader)
    return header, [[norm(v) for v in r] for r in reader], elapsed


def norm(v):
    """Values as both engines' outputs can be compared: numbers as floats, rest as text."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def same(a, b):
    if len(a) != len(b):
        return f"{len(a)} rows against {len(b)}"
    for i, (ra, rb) in enumerate(zip(a, b)):
        if len(ra) != len(rb):
            return f"row {i}: {len(ra)} columns against {len(rb)}"
        for x, y in zip(ra, rb):
            if isinstance(x, float) and isinstance(y, float):
                if not (x == y or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)):
                    return f"row {i}: {ra} against {rb}"
            elif x != y:
                return f"row {i}: {ra} against {rb}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", required=True, help="finstream data directory holding history/")
    ap.add_argument("--finstream", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "finstream"))
    ap.add_argument("--golden", help="write DuckDB's answers here instead of comparing")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs per engine")
    args = ap.parse_args()
    history = os.path.join(args.data_dir, "history")
    con = duck_connect(history)
    queries = load_queries()
    if args.golden:
        os.makedirs(args.golden, exist_ok=True)
        for name, sql in queries:
            header, rows, _ = run_duckdb(con, sql)
            with open(os.path.join(args.golden, f"{name}.csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(header)
                for r in rows:
                    w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in r])
            print(f"{name}: {len(rows)} rows")
        return 0
    n = con.execute("SELECT count(*) FROM trades").fetchone()[0]
    print(f"history: {n:,} trades; duckdb {duckdb.__version__}; best of {args.repeat}\n")
    print(f"| query | rows | DataFusion (s) | DuckDB (s) | ratio | same answer |")
    print(f"|---|---|---|---|---|---|")
    failures = 0
    for name, sql in queries:
        df_best, duck_best, df_error = math.inf, math.inf, None
        for _ in range(args.repeat):
            # A query finstream refuses or fails (a limit of the `sql` section, say) is
            # reported in its row and the other queries still run.
            if df_error is None:
                try:
                    _, df_rows, t = run_finstream(args.finstream, args.data_dir, sql)
                    df_best = min(df_best, t)
                except RuntimeError as e:
                    df_error = str(e).split("Stack backtrace:")[0].strip()
                    print(f"{name}: DataFusion failed:\n{df_error}\n", file=sys.stderr)
            _, duck_rows, t = run_duckdb(con, sql)
            duck_best = min(duck_best, t)
        if df_error is not None:
            failures += 1
            first = df_error.splitlines()[0] if df_error else "no message"
            print(f"| {name} | - | failed | {duck_best:.3f} | - | NO: DataFusion failed: {first} |")
            sys.stdout.flush()
            continue
        diff = same(df_rows, duck_rows)
        failures += diff is not None
        print(f"| {name} | {len(df_rows)} | {df_best:.3f} | {duck_best:.3f} | {df_best / duck_best:.2f} | {'yes' if diff is None else 'NO: ' + diff} |")
        sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
