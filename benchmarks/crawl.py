"""Crawl throughput: wallwatch's full crawl vs a bare Scrapy spider vs the naive extract-in-callback spider.

All three fetch the same ~1,000 pages (the real article pages of
../shared/realweb/articles, repeated with ``?r=N`` to reach the count) from a
loopback server in this process, with politeness off (delay 0, 16 per domain).
Each runs in its own process; memory is the peak of the sum of PSS (shared
pages counted once) over that process and its children, sampled every 0.1 s.

    python benchmarks/crawl.py [--pages 1000] [--feeds 10]

Prints pages/s (bare, naive) and articles/s end to end (download + extract +
store into a fresh archive) with peak memory, then a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REALWEB = Path(__file__).resolve().parent.parent.parent / "shared" / "realweb"


class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        return "application/rss+xml" if str(path).endswith(".xml") else "text/html"


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _pss(pid: int) -> int:
    """Proportional set size: shared pages (forked workers) counted once overall, not once per process."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _pss_of_descendants(root: int) -> int:
    """Sum of PSS (bytes) of all descendants of ``root`` (not ``root`` itself).

    The process tree comes from every ``/proc/<pid>/stat``; PSS is read only for
    the descendants (``smaps_rollup`` walks a process's whole address space).
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
    total, stack = 0, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total += _pss(pid)
        stack.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Samples the PSS of this process's children (and theirs) until stopped."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, _pss_of_descendants(me))

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- baselines (run as: python benchmarks/crawl.py --baseline bare|naive URLFILE) ----------------
def run_baseline(kind: str, url_file: str) -> None:
    import scrapy
    from scrapy.crawler import AsyncCrawlerProcess

    urls = Path(url_file).read_text().split()
    count = {"pages": 0, "chars": 0}

    class Baseline(scrapy.Spider):
        name = kind

        async def start(self):
            for u in urls:
                yield scrapy.Request(u, callback=self.parse)

        def parse(self, response):
            count["pages"] += 1
            if kind == "naive":
                import trafilatura

                count["chars"] += len(trafilatura.extract(response.text, url=response.url) or "")

    process = AsyncCrawlerProcess({
        "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True, "COOKIES_ENABLED": False,
    })
    t0 = time.monotonic()
    process.crawl(Baseline)
    process.start()
    print(json.dumps({"pages": count["pages"], "seconds": time.monotonic() - t0, "chars": count["chars"]}))


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _measure(cmd: list[str]) -> tuple[dict, float, int, float]:
    cpu0 = _children_cpu()
    with PeakMemory() as mem:
        t0 = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        wall = time.monotonic() - t0
    return json.loads(out.strip().splitlines()[-1]), wall, mem.peak, _children_cpu() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--only", choices=["bare", "naive", "wallwatch"], action="append")
    parser.add_argument("--baseline", choices=["bare", "naive"])
    parser.add_argument("url_file", nargs="?")
    args = parser.parse_args()
    if args.baseline:
        return run_baseline(args.baseline, args.url_file)

    from wallwatch.config import loads
    from wallwatch.crawler import crawl

    articles = REALWEB / "articles"
    if not articles.exists():
        sys.exit(f"{articles} is absent: this benchmark needs ../shared/realweb")
    work = Path(tempfile.mkdtemp(prefix="wallwatch-bench-"))
    site = work / "site"
    site.mkdir()
    (site / "articles").symlink_to(articles)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    pages = sorted(str(p.relative_to(articles)) for p in articles.rglob("*.html"))
    httpd, base = serve(site)
    urls = [f"{base}/articles/{pages[i % len(pages)]}?r={i // len(pages)}" for i in range(args.pages)]
    (work / "urls.txt").write_text("\n".join(urls))
    per_feed = -(-len(urls) // args.feeds)
    sources = []
    for f in range(args.feeds):
        chunk = urls[f * per_feed:(f + 1) * per_feed]
        items = "".join(f"<item><title>p{i}</title><link>{u.replace('&', '&amp;')}</link></item>" for i, u in enumerate(chunk))
        (site / f"feed{f}.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{f}</title>{items}</channel></rss>')
        sources.append(f'[[sources]]\nname = "feed{f}"\nurl = "{base}/feed{f}.xml"\n')
    config = loads(f"""[crawler]
allow_private_networks = true
delay_seconds = 0
per_domain_concurrency = 16
concurrency = 16
max_items_per_source = {per_feed}
time_budget_seconds = 1800
""" + "\n".join(sources))
    results: dict[str, dict] = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()[0]},
                                "pages": len(urls), "distinct_pages": len(pages)}
    only = set(args.only or ["bare", "naive", "wallwatch"])
    for kind in ("bare", "naive"):
        if kind in only:
            data, wall, peak, cpu = _measure([sys.executable, __file__, "--baseline", kind, str(work / "urls.txt")])
            results[kind] = {"pages": data["pages"], "seconds": round(data["seconds"], 2),
                             "pages_per_s": round(data["pages"] / data["seconds"], 1), "peak_mb": round(peak / 1e6),
                             "cpu_ms_per_page": round(cpu / data["pages"] * 1000, 1)}
            print(f"{kind:<10} {data['pages']} pages in {data['seconds']:.1f}s: {data['pages'] / data['seconds']:.1f} pages/s,"
                  f" peak {peak / 1e6:.0f} MB, {cpu / data['pages'] * 1000:.1f} ms CPU/page (crawler processes)", flush=True)
    if "wallwatch" in only:
        db = work / "bench.db"
        cpu0 = _children_cpu()
        with PeakMemory() as mem:
            t0 = time.monotonic()
            report = crawl(config, db)
            wall = time.monotonic() - t0
        cpu = _children_cpu() - cpu0
        t = report.totals
        stored = t["new"] + t["updated"]
        results["wallwatch"] = {"stored": stored, "failed": t["failed"], "duplicates": t["duplicates"],
                                "crawl_seconds": round(report.seconds, 2), "wall_seconds": round(wall, 2),
                                "articles_per_s": round(stored / report.seconds, 1),
                                "articles_per_s_wall": round(stored / wall, 1), "peak_mb": round(mem.peak / 1e6),
                                "cpu_ms_per_page": round(cpu / max(1, stored) * 1000, 1)}
        print(f"wallwatch  {stored} articles stored ({t['failed']} failed, {t['duplicates']} linked as copies) in "
              f"{report.seconds:.1f}s: {stored / report.seconds:.1f} articles/s "
              f"({stored / wall:.1f}/s including process start), peak {mem.peak / 1e6:.0f} MB, "
              f"{cpu / max(1, stored) * 1000:.1f} ms CPU/page (crawl process + extraction workers)")
    httpd.shutdown()
    results["machine"]["loadavg_after"] = os.getloadavg()[0]
    print(f"load average (1 min) before {results['machine']['loadavg_before']:.2f}, after "
          f"{results['machine']['loadavg_after']:.2f} on {os.cpu_count()} CPUs")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
