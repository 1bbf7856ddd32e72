"""Pages under load: many signed-in users replaying each role's most used pages at once, against
gunicorn with production settings, beside one user alone on the same server in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_load.py --scale small --users 50 --seconds 60

The script makes a PostgreSQL database of its own (`bansos_bench_load`, or SQLite without
DATABASE_URL), migrates it and loads the demo at --scale (`small`, or `district`: 300,000
households and a million roster rows, which takes minutes), then starts gunicorn
(--workers sync workers) with DEBUG off. Each user logs in as one of the demo's roles, in turn,
and asks for its pages one after the other, as fast as answers come; the clock starts when all
are signed in (a login's password hash costs a third of a second of processor). Reported:
requests per second, errors, and p50 / p95 / p99 of the response times, first for one user
alone, then for --users together; and the page that is slowest at p95 under load.

With --think S, the users then read each page for S seconds on average before the next click
(exponential pauses), as an office's people do. --reuse keeps the demo database of an earlier
run (`bansos_bench_load_<scale>`) instead of loading it again.

Issue 15's aim: 50 users at p95 under 300 ms on a 2-core machine. The machines here vary
2-2.5x between sessions: compare the load figures with the single user's of the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
PORT = 8765
PASSWORD = "bansos-demo"  # demo/district.py: the demo's published password
ROLES = {  # login -> the pages that role opens most
    "staf": ["/", "/households/", "/programs/proposals/", "/cross-check/", "/programs/rounds/"],
    "kepala": ["/", "/programs/rounds/", "/programs/proposals/"],
    "operator.desa": ["/", "/households/", "/programs/proposals/", "/programs/returned/"],
    "posko": ["/", "/complaints/", "/households/"],
}


class User:
    """One signed-in browser: its cookies, sent as a browser behind HTTPS would."""

    def __init__(self, username: str) -> None:
        self.username, self.cookies = username, {}
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        headers = {
            "X-Forwarded-Proto": "https",  # gunicorn stands behind the office's HTTPS proxy
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Referer": f"https://127.0.0.1:{PORT}/login/",
        }
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text

    def log_in(self) -> None:
        _status, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD}
        status, _text = self.request("POST", "/login/", urlencode(form))
        if status != 302:
            raise SystemExit(f"{self.username} could not log in (HTTP {status})")


def replay(
    username: str, start: threading.Barrier, run: dict, times: dict, errors: list, think: float
) -> None:
    user = User(username)
    user.log_in()  # a password hash each (a third of a second): before the clock, not in it
    pause = random.Random(f"{username}-{threading.get_ident()}")
    start.wait()
    pages = ROLES[username]
    n = 0
    if think:  # people do not all click at the same moment
        time.sleep(pause.uniform(0, think))
    while time.monotonic() < run["until"]:
        path = pages[n % len(pages)]
        n += 1
        started = time.monotonic()
        try:
            status, _text = user.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{path}: {error}")
            user.connection.close()
            continue
        elapsed = time.monotonic() - started
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
        times[path].append(elapsed)
        if think:  # reading the page before the next click: on average `think` seconds
            time.sleep(pause.expovariate(1 / think))


def run(users: int, seconds: float, think: float = 0) -> dict:
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    window: dict[str, float] = {}

    def begin() -> None:  # when every user is signed in: the measured time starts
        window["started"] = time.monotonic()
        window["until"] = window["started"] + seconds

    start = threading.Barrier(users, action=begin)
    names = list(ROLES)
    threads = [
        threading.Thread(
            target=replay, args=(names[i % len(names)], start, window, times, errors, think)
        )
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - window["started"]
    every = sorted(t for page in times.values() for t in page)
    if not every:
        raise SystemExit(f"no answer at all: {errors[:3]}")

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000

    slowest = max(times, key=lambda page: pct(times[page], 95))
    return {
        "users": users,
        "requests": len(every),
        "per_second": round(len(every) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "p50_ms": round(pct(every, 50)),
        "p95_ms": round(pct(every, 95)),
        "p99_ms": round(pct(every, 99)),
        "mean_ms": round(statistics.mean(every) * 1000),
        "slowest_page": slowest,
        "slowest_p95_ms": round(pct(times[slowest], 95)),
        "pages_p95_ms": {page: round(pct(found, 95)) for page, found in sorted(times.items())},
    }


def database(scale: str, reuse: bool) -> tuple[str, bool]:
    """The database's URL, and whether it holds the demo already (--reuse: a district's demo
    takes many minutes to load)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server:
        path = Path(f"/tmp/bansos-bench-load-{scale}.sqlite3")
        if path.exists() and reuse:
            return f"sqlite:///{path}", True
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", False
    parts = urlsplit(server)
    name = f"bansos_bench_load_{scale}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (found and reuse):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}")), bool(found and reuse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", choices=["small", "district"])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument(
        "--think", type=float, default=0, help="mean seconds a user reads a page (0: no pause)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the demo database of an earlier run"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
    env.update(
        ENV_FILE=os.devnull,
        SECRET_KEY="bench-load-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_HSTS_SECONDS="0",
    )
    env["DATABASE_URL"], loaded = database(args.scale, args.reuse)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
    if not loaded:
        started = time.monotonic()
        demo = {**env, "DEBUG": "true"}  # the demo refuses a production set-up
        subprocess.run([*manage, "load_demo", "--scale", args.scale], env=demo, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"demo ({args.scale}) loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bansos.wsgi", f"--workers={args.workers}",
         f"--bind=127.0.0.1:{PORT}", "--log-level=warning"],
        cwd=BASE_DIR, env=env,
    )  # fmt: skip
    try:
        time.sleep(3)
        run(1, 5)  # warm: every worker has loaded the app and opened its connection
        alone = run(1, min(args.seconds, 30))
        loaded = run(args.users, args.seconds)
        paced = run(args.users, args.seconds, args.think) if args.think else None
    finally:
        server.terminate()
        server.wait()
    rows = [("one user", alone), (f"{args.users} users", loaded)]
    if paced:
        rows.append((f"{args.users}, {args.think:g} s", paced))
    print(f"{'':<12}{'req/s':>8}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}  slowest p95")
    for label, r in rows:
        print(
            f"{label:<12}{r['per_second']:>8}{r['errors']:>8}{r['p50_ms']:>8}{r['p95_ms']:>8}"
            f"{r['p99_ms']:>8}  {r['slowest_page']} {r['slowest_p95_ms']} ms"
        )
    print("p95 ms by page:", *(f"{label}: {r['pages_p95_ms']}" for label, r in rows), sep="\n")
    if args.json:
        print(json.dumps({"scale": args.scale, "alone": alone, "loaded": loaded, "paced": paced}))


if __name__ == "__main__":
    main()
