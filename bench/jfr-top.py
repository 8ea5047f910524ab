#!/usr/bin/env python3
"""Summarises a flight recording of a backup (bench/profile-backup.sh JFR=1).

    bench/jfr-top.py FILE.jfr [TOP]

Prints, for jdk.ExecutionSample (threads running Java) and jdk.NativeMethodSample (threads in
native code: zstd, sockets, pipes), the share of samples per category (the first matching frame of
the stack decides) and the TOP top frames, and the allocation weight per top allocating frame from
jdk.ObjectAllocationSample.
"""
import collections, json, subprocess, sys

CATEGORIES = [  # first match over the stack, top frame first
    ("zstd (zstd-jni)", "com.github.luben.zstd."),
    ("SHA-256", "sun.security.provider.SHA"),
    ("SHA-256", "sun.security.provider.DigestBase"),
    ("row counting (ArchiveRowCounter)", "dev.lifeboat.backup.ArchiveRowCounter"),
    ("age encryption", "com.exceptionfactory."),
    ("SDK checksums", "software.amazon.awssdk.checksums"),
    ("SDK checksums", "software.amazon.awssdk.core.internal.checksums"),
    ("SDK signing", "software.amazon.awssdk.http.auth"),
    ("SDK signing", "software.amazon.awssdk.auth.signer"),
    ("HTTP client write", "org.apache.http."),
    ("socket I/O", "sun.nio.ch."),
    ("socket I/O", "java.net.Socket"),
    ("pipe read (pg_dump output)", "java.lang.ProcessImpl"),
    ("pipe read (pg_dump output)", "java.io.FileInputStream"),
    ("fan-out copies", "dev.lifeboat.backup.FanOut"),
    ("S3 part buffer", "dev.lifeboat.store.S3Store"),
    ("AWS SDK other", "software.amazon.awssdk."),
    ("JDBC / PostgreSQL driver", "org.postgresql."),
    ("H2 (control database)", "org.h2."),
    ("Spring / Batch start-up", "org.springframework."),
    ("class loading", "java.lang.ClassLoader"),
    ("class loading", "jdk.internal.loader."),
    ("lifeboat other", "dev.lifeboat."),
]


def events(path, name):
    out = subprocess.run(["jfr", "print", "--json", "--events", name, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frame_name(f):
    m = f["method"]
    return (m["type"]["name"] + "." + m["name"]).replace("/", ".")


def category(frames):
    for f in frames:
        n = frame_name(f)
        for cat, prefix in CATEGORIES:
            if n.startswith(prefix):
                return cat
    return "other (" + (frame_name(frames[0]) if frames else "?") + ")"


def report(path, name, top):
    evs = events(path, name)
    cats, tops, threads = collections.Counter(), collections.Counter(), collections.Counter()
    for e in evs:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        cats[category(frames)] += 1
        tops[frame_name(frames[0]) if frames else "?"] += 1
        t = e["values"].get("sampledThread") or {}
        threads[t.get("javaName") or t.get("osName") or "?"] += 1
    n = len(evs) or 1
    print(f"\n== {name}: {len(evs)} samples")
    print("-- by category")
    for c, k in cats.most_common():
        print(f"{100 * k / n:6.1f}%  {k:5d}  {c}")
    print("-- by thread")
    for c, k in threads.most_common(top):
        print(f"{100 * k / n:6.1f}%  {k:5d}  {c}")
    print("-- top frames")
    for c, k in tops.most_common(top):
        print(f"{100 * k / n:6.1f}%  {k:5d}  {c}")


def allocations(path, top):
    evs = events(path, "jdk.ObjectAllocationSample")
    by = collections.Counter()
    total = 0
    for e in evs:
        w = e["values"].get("weight") or 0
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        # the first frame outside java.* names who allocates
        who = next((frame_name(f) for f in frames if not frame_name(f).startswith(("java.", "jdk.", "sun."))), "?")
        by[who + " -> " + e["values"]["objectClass"]["name"]] += w
        total += w
    print(f"\n== jdk.ObjectAllocationSample: {total / 2**20:.0f} MB sampled weight")
    for c, w in by.most_common(top):
        print(f"{100 * w / (total or 1):6.1f}%  {w / 2**20:8.1f} MB  {c}")


if __name__ == "__main__":
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
    report(path, "jdk.ExecutionSample", top)
    report(path, "jdk.NativeMethodSample", top)
    allocations(path, top)
