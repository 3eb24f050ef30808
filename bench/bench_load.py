"""Load benchmark: a big crawl against flaky local servers finishes with every resource, in flat memory.

The fake portal (export + dataset API) runs on 127.0.0.1, the resources on four agency hosts
127.0.0.2..5: 5,000 datasets with 2 CSV resources each (10,000 resources, every body distinct).
A seeded 10 % of all routes (resource files and dataset API answers) fail once before they
answer, half with 500 and half with 429 (no Retry-After), so the crawl must retry them.

`odaudit crawl` runs as a subprocess with its defaults (check workers included). While it
runs, the crawl process's RSS (and its check workers') is sampled every 0.2 s together with
the number of resources journaled so far; the table gives the peak RSS within each stretch of
the crawl, so growth with the number of resources shows. At the end the records are counted.

    python bench/bench_load.py [--datasets 5000] [--per-dataset 2] [--fail 0.1] [--seed 1]

Targets (issue 6): every resource recorded, none lost to the transient failures, status
complete; main-process memory flat (peak in the last stretch within 25 % of the peak at 1,000
resources).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import portal as fake  # noqa: E402
from portal import FakePortal  # noqa: E402

# A client that goes away mid-answer is normal here; the fake hosts need not print each one.
fake._Server.handle_error = lambda self, request, client_address: None  # type: ignore[method-assign]


def build(portal: FakePortal, datasets: int, per: int, fail: float, seed: int) -> tuple[Path, int]:
    rng = random.Random(seed)
    hosts = portal.agency_hosts
    routes: list[tuple[object, str]] = []
    for i in range(1, datasets + 1):
        urls = []
        for j in range(per):
            host = hosts[(per * i + j) % len(hosts)]
            rows = "".join(f"{i}-{j}-{r},{(i * 7 + r) % 1000},測站{r % 13}\n" for r in range(5 + (i + j) % 20))
            path = f"/files/{i}/{j}.csv"
            urls.append(host.serve(path, f"id,value,name\n{rows}".encode(), content_type="text/csv"))
            routes.append((host, path))
        portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"dataset {i}", "檔案格式": ";".join(["CSV"] * per),
                            "資料下載網址": ";".join(urls), "編碼格式": ";".join(["UTF-8"] * per),
                            "主要欄位說明": "id;value;name", "提供機關": f"agency {i % 37}", "更新頻率": "每1日",
                            "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費",
                            "上架日期": "2017-01-01 00:00:00", "詮釋資料更新時間": "2026-11-01 00:00:00"})
        routes.append((None, str(i)))  # the dataset's API answer
    flaky = rng.sample(routes, round(len(routes) * fail))
    for host, path in flaky:
        status = rng.choice([500, 429])
        if host is None:
            portal.configure_api(path, fail_times=1, fail_status=status)
        else:
            host.configure(path, fail_times=1, fail_status=status)  # type: ignore[attr-defined]
    cat = Path(tempfile.mkdtemp(prefix="odaudit-load-")) / "load.yaml"
    lines = ["name: load", "title: load benchmark", "method: synthetic", "categories:", "- id: '1'", "  name: all",
             "  datasets:", *(f"  - {{id: '{i}', name: 'dataset {i}'}}" for i in range(1, datasets + 1))]
    cat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cat, len(flaky)


class Sampler(threading.Thread):
    """RSS of the crawl process and its children, and resources journaled, every `every` s."""

    def __init__(self, pid: int, journal: Path, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.journal = journal
        self.every = every
        self.samples: list[tuple[float, int, int, int]] = []  # (t, resources, rss main, rss children)
        self.stop = threading.Event()
        self._offset = 0
        self._lines = 0

    def _count(self) -> int:
        try:
            with open(self.journal, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return self._lines
        self._offset += len(data)
        self._lines += data.count(b"\n")
        return self._lines

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stop.is_set():
            try:
                main = self.proc.memory_info().rss
                kids = sum(c.memory_info().rss for c in self.proc.children(recursive=True))
            except psutil.Error:
                break
            self.samples.append((time.monotonic() - t0, self._count(), main, kids))
            self.stop.wait(self.every)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=int, default=5000)
    ap.add_argument("--per-dataset", type=int, default=2)
    ap.add_argument("--fail", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the snapshot (its path is printed)")
    args = ap.parse_args()
    total = args.datasets * args.per_dataset
    with FakePortal(agency_hosts=4) as portal:
        t_build = time.perf_counter()
        cat, flaky = build(portal, args.datasets, args.per_dataset, args.fail, args.seed)
        build_s = time.perf_counter() - t_build
        out = cat.parent / "snap"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "odaudit", "crawl", "--portal", portal.base_url, "--catalog",
                                 str(cat), "--out", str(out), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        sampler = Sampler(proc.pid, out / "journal" / "resources.jsonl")
        sampler.start()
        _, stderr = proc.communicate()
        took = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        requests = sum(h.total_requests for h in portal.hosts)
        failed_answers = sum(1 for h in portal.hosts for r in h.requests if r.status in (429, 500))
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}): {stderr}")

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    resources = [json.loads(line) for line in (out / "resources.jsonl").open(encoding="utf-8")]
    datasets = sum(1 for _ in (out / "datasets.jsonl").open(encoding="utf-8"))
    ok = sum(1 for r in resources if r["status"] == 200 and not r["error"] and r["body"])
    retried = sum(1 for r in resources if r["attempts"] > 1)
    api_errors = sum(1 for line in (out / "datasets.jsonl").open(encoding="utf-8") if json.loads(line)["fetch"]["error"])
    keys = {r["key"] for r in resources}

    mb = 1024 * 1024
    marks = [m for m in (1000, 2500, 5000, 7500, total) if m <= total]
    print(f"load benchmark: {args.datasets:,} datasets x {args.per_dataset} resources = {total:,} resources, "
          f"{flaky:,} of {args.datasets * (args.per_dataset + 1):,} routes fail once (500/429), seed {args.seed}")
    print(f"crawl {took:.1f} s wall (portal built in {build_s:.1f} s); {requests:,} requests, {failed_answers:,} answered 500/429")
    print()
    print(f"{'resources journaled':<22}{'t (s)':>8}{'peak RSS crawl':>16}{'peak RSS workers':>18}")
    prev = 0
    stretches = []
    for m in marks:
        window = [s for s in sampler.samples if prev < s[1] <= m or (prev == 0 and s[1] == 0)]
        if window:
            peak_main = max(s[2] for s in window)
            peak_kids = max(s[3] for s in window)
            stretches.append(peak_main)
            print(f"{f'{prev:,} - {m:,}':<22}{window[-1][0]:>8.1f}{peak_main / mb:>13.0f} MB{peak_kids / mb:>15.0f} MB")
        prev = m
    tail = [s for s in sampler.samples if s[1] >= total]
    if tail:
        print(f"{'finalize':<22}{tail[-1][0]:>8.1f}{max(s[2] for s in tail) / mb:>13.0f} MB{max(s[3] for s in tail) / mb:>15.0f} MB")
    print()
    print(f"status {manifest['status']}; datasets {datasets:,}/{args.datasets:,}; resources recorded {len(resources):,}/{total:,} "
          f"(unique keys {len(keys):,}), fetched OK {ok:,}, retried {retried:,}; dataset API errors {api_errors}")
    print(f"fetch outcomes: {manifest['counts'].get('resource_fetch')}")
    flat = stretches[-1] <= stretches[0] * 1.25
    complete = manifest["status"] == "complete" and len(resources) == total == len(keys) == ok and datasets == args.datasets
    print(f"every resource recorded: {'OK' if complete else 'MISSED'}; memory flat "
          f"(last stretch {stretches[-1] / mb:.0f} MB vs first {stretches[0] / mb:.0f} MB, limit +25 %): {'OK' if flat else 'GREW'}")
    if args.keep:
        print(f"snapshot kept in {out}")
    else:
        shutil.rmtree(cat.parent, ignore_errors=True)
    sys.exit(0 if complete and flat else 1)


if __name__ == "__main__":
    main()
