#!/usr/bin/env python3
"""Turns the figures scripts/bench collected into Markdown tables.

  bench_report.py table RESULTS.tsv BROKEN.tsv META.txt   the side-by-side table, with a header on the machine
  bench_report.py jmh JMH.json                            the JMH benchmarks of the crypto and the cache

RESULTS.tsv holds "row<TAB>target<TAB>value" lines; BROKEN.tsv "target<TAB>why" for targets that could not be
set up or stopped working; META.txt "key=value" lines.
"""
import datetime
import json
import os
import platform
import sys

TARGETS = ["coffre-s3", "coffre-local", "rclone-crypt-writes", "rclone-crypt-full", "s3fs", "gocryptfs",
           "ext4", "bindfs-tmpfs"]
CEILINGS = ["raw curl", "openssl speed"]
S3_PEERS = ["rclone-crypt-writes", "rclone-crypt-full", "s3fs"]
LOCAL_PEER = "gocryptfs"
COFFRE = ["coffre-s3", "coffre-local"]
FUSE_PEERS = ["rclone-crypt-writes", "rclone-crypt-full", "s3fs", "gocryptfs"]

HIGHER, LOWER = True, False


def rows(meta):
    """(key, label, higher is better, the targets the figure applies to, ceiling per coffre column, issue's target)"""
    size, small, tree = meta["size_mb"], meta["small_files"], meta["tree_entries"]
    cache = int(meta["cache_mb"])
    every = TARGETS
    both = lambda name: {"coffre-s3": name, "coffre-local": name}
    return [
        ("seq_write", f"sequential write of {size} MiB until durable (MB/s)", HIGHER, every + ["raw curl"],
         {"coffre-s3": "raw curl", "coffre-local": "bindfs-tmpfs"}, ">= 1.5x best peer"),
        ("seq_read_cold", "sequential read, cold (MB/s)", HIGHER, every + ["raw curl"],
         {"coffre-s3": "raw curl", "coffre-local": "ext4"}, ">= 2x best S3 peer, >= 0.6x raw curl GET"),
        ("seq_read_cold_cpu", "sequential read, cold: CPU time of the mount process (s)", LOWER,
         COFFRE + FUSE_PEERS + ["bindfs-tmpfs"], {}, ""),
        ("seq_read_cold_server_cpu", "sequential read, cold: CPU time of the S3 server (s)", LOWER,
         ["coffre-s3"] + S3_PEERS + ["raw curl"], {"coffre-s3": "raw curl"}, ""),
        ("seq_read_second", "sequential read, cold, of a second file by the same mount process (MB/s)", HIGHER,
         ["coffre-s3"] + S3_PEERS + ["raw curl"], {"coffre-s3": "raw curl"}, ""),
        ("seq_read_warm", "sequential read, warm (MB/s)", HIGHER, every, both("bindfs-tmpfs"),
         ">= 0.7x bindfs-tmpfs"),
        ("rand_cold_iops", f"random 4 KiB reads, cold, {meta['random_reads']} reads (IOPS; raw curl: one ranged"
                           " GET of 64 KiB per read, one at a time)", HIGHER, every + ["raw curl"],
         {"coffre-s3": "raw curl", "coffre-local": "ext4"}, ">= 3x best peer"),
        ("rand_second_iops", "random 4 KiB reads, cold, of a second file by the same mount process (IOPS)", HIGHER,
         ["coffre-s3"] + S3_PEERS + ["raw curl"], {"coffre-s3": "raw curl"}, ""),
        ("rand_cold_fetch", "random 4 KiB reads, cold: fetched per read (KiB)", LOWER, COFFRE, {},
         "<= 64 KiB + overhead"),
        ("rand_warm_iops", "random 4 KiB reads, warm, 5 s (IOPS)", HIGHER, every, both("bindfs-tmpfs"), ""),
        ("rand_warm_fetch", "random 4 KiB reads, warm: fetched per read (KiB)", LOWER, COFFRE, {}, ""),
        ("ttfb", "1 MiB from the middle, cold: time to first byte (ms)", LOWER, every + ["raw curl"],
         {"coffre-s3": "raw curl", "coffre-local": "ext4"}, ""),
        ("middle_mib", "1 MiB from the middle, cold: time to the whole MiB (ms)", LOWER, every + ["raw curl"],
         {"coffre-s3": "raw curl", "coffre-local": "ext4"}, ""),
        ("middle_fetch", "1 MiB from the middle, cold: fetched, read-ahead it started included (KiB)", LOWER, COFFRE, {}, ""),
        ("rsync", f"rsync -a of {small} small files until durable (s)", LOWER, every, both("ext4"),
         ">= 3x best peer"),
        ("rsync_fsync", f"rsync -a --fsync of {small} small files: each durable on disk before the next (s)",
         LOWER, ["ext4"], {}, ""),
        ("rsync_nochange", "no-change rsync -a (s)", LOWER, every, both("ext4"), ">= 0.5x ext4"),
        ("find", f"find over {tree} entries (s)", LOWER, every, both("ext4"), ">= 0.5x ext4"),
        ("ls_lr", f"ls -lR over {tree} entries (s)", LOWER, every, both("ext4"), ""),
        ("rss", f"peak RSS of the mount process writing then reading {meta['rss_mb']} MiB (MiB; "
                f"coffre --cache-size {cache} MiB)", LOWER, COFFRE + FUSE_PEERS, {},
         f"coffre <= {cache + 150} MiB (cache + 150 MiB), flat in file size"),
        ("gcm", "AES-256-GCM, 16 KiB blocks, one core (MB/s)", HIGHER, ["openssl speed"], {}, ""),
    ]


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def ratio(coffre, reference, higher):
    """coffre's performance relative to the reference: above 1 means coffre does better."""
    if coffre is None or reference is None or coffre <= 0 or reference <= 0:
        return None
    return coffre / reference if higher else reference / coffre


def fmt_ratio(r, against):
    if r is None:
        return "n/a"
    return f"{r:.2f}x {against}" if r >= 0.1 else f"{r:.3f}x {against}"


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / (1 << 20)
    cores = len(os.sched_getaffinity(0))
    return f"{cores} cores ({model}), {ram:.1f} GiB RAM, Linux {platform.release()}"


def table(results_path, broken_path, meta_path):
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(meta_path) if "=" in line)
    values = {}
    for line in open(results_path):
        row, target, value = line.rstrip("\n").split("\t")
        values[(row, target)] = value
    broken = dict(line.rstrip("\n").split("\t", 1) for line in open(broken_path) if "\t" in line)
    columns = TARGETS + CEILINGS

    def cell(row, target, applies):
        if (row, target) in values:
            return values[(row, target)] or "fail"
        if target in applies and target in broken:
            return "fail"
        return "n/a"

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# coffre benchmark",
        "",
        f"- date: {now}",
        f"- machine: {machine()}; local disk: {meta['disk']}; load average before the run: {meta['load']}",
        f"- coffre: {meta['coffre']}",
        f"- peers and tools: {meta['peers']}",
        f"- data: a {meta['size_mb']} MiB file of random bytes; {meta['small_files']} small files (1 B to 16 KiB); "
        f"a tree of {meta['tree_entries']} entries (folders of 99 empty files); {meta['random_reads']} cold random "
        f"reads at the same offsets on every target; a {meta['rss_mb']} MiB file for the peak RSS",
        "- S3: S3Proxy (filesystem backend) on 127.0.0.1, shared by coffre-s3, rclone and s3fs; coffre runs with "
        "`--write-back 0s` and rclone with `--vfs-write-back 0s`, so that both start uploading at close; "
        "\"until durable\" ends for coffre when an fsync of the mount's root returns (it returns once every change "
        "is committed to the remote, as `coffre sync` does); for rclone, when `rclone check` finds every file on the "
        "server at its size (rclone's own upload counters read zero seconds before its uploads end); s3fs uploads "
        "a file before its close or fsync returns",
        "- S3 server warm-up (untimed, before any target is timed): curl requests, then rounds in which every S3 "
        "target writes, reads and randomly reads a file of the big file's size (S3Proxy is a JVM, and each client's "
        "requests take paths of their own through it; a real S3 service does not warm up)",
        "- cold: after a remount (a new process; rclone also loses its cache folder, in both modes) and a drop of "
        "the page cache; warm: right after the cold pass",
        "",
    ]
    header = ["figure"] + columns + ["coffre-s3 vs best S3 peer", "coffre-local vs gocryptfs",
                                     "coffre-s3 vs ceiling", "coffre-local vs ceiling", "issue's target"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for key, label, higher, applies, ceilings, goal in rows(meta):
        cells = [cell(key, t, applies) for t in columns]
        num = {t: number(values.get((key, t))) for t in columns}
        s3 = [(num[p], p) for p in S3_PEERS if num[p] is not None and num[p] > 0]
        best = (max if higher else min)(s3) if s3 else None
        ratios = [
            fmt_ratio(ratio(num["coffre-s3"], best[0], higher), best[1]) if best else "n/a",
            fmt_ratio(ratio(num["coffre-local"], num[LOCAL_PEER], higher), LOCAL_PEER),
        ]
        for c in COFFRE:
            ref = ceilings.get(c)
            ratios.append(fmt_ratio(ratio(num[c], num.get(ref), higher), ref) if ref else "n/a")
        out.append("| " + " | ".join([label] + cells + ratios + [goal or ""]) + " |")
    out += [
        "",
        "Ratios compare performance: above 1x coffre does better (for s, ms, KiB and MiB the reference's figure "
        "divided by coffre's, so 0.5x means twice the time). Best S3 peer: the best of "
        + ", ".join(S3_PEERS) + ". Ceilings: raw curl PUT/GET against the S3 server (a ranged GET for the "
        "middle MiB; one 64 KiB ranged GET at a time for random reads), bindfs over tmpfs for what FUSE allows, ext4 for local reads and metadata. "
        "n/a: the figure does not apply; fail: the target failed that workload.",
    ]
    for target, why in sorted(broken.items()):
        out.append(f"\n**{target}** {why}")
    print("\n".join(out))


def jmh(path):
    results = json.load(open(path))
    out = [
        "",
        "## JMH: the crypto and the cache on their own",
        "",
        "| benchmark | threads | bytes per op | score | error (99.9%) | unit |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        name = r["benchmark"].replace("dev.coffre.", "")
        metric = r["primaryMetric"]
        score, error, unit = metric["score"], metric["scoreError"], metric["scoreUnit"]
        size = (r.get("params") or {}).get("size")
        if size and unit == "ops/s":
            score, error, unit = score * int(size) / 1e6, error * int(size) / 1e6, "MB/s"
            out.append(f"| {name} | {r['threads']} | {size} | {score:,.0f} | {error:,.0f} | {unit} |")
        else:
            out.append(f"| {name} | {r['threads']} | n/a | {score:,.0f} | {error:,.0f} | {unit} |")
    if results:
        r = results[0]
        out += ["", f"JMH {r['jmhVersion']}, {r['vmName']} {r['jdkVersion']}; {r['warmupIterations']} warm-up and "
                f"{r['measurementIterations']} measured iterations of {r['measurementTime']}, {r['forks']} fork "
                "(short: read the error column before comparing figures)."]
    print("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1] == "table":
        table(*sys.argv[2:5])
    elif sys.argv[1] == "jmh":
        jmh(sys.argv[2])
    else:
        sys.exit(__doc__)
