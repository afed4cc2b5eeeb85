# Builds the issue-16 side-by-side evaluation set: the zoo graphs with a clean v2 fp32/t1 row on this host,
# and the v1 (legacy) fp32/t1 rows of the same graphs on the two CPUs of release v1.
import json, gzip, glob, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
rows = [json.loads(l) for f in sorted(glob.glob(f"{src}/measurements*.jsonl.gz")) for l in gzip.open(f, "rt")]
clean = [r for r in rows if r["platform"].endswith("ort-cpu-1.30/fp32/t1") and r["batch"] == 1 and (r.get("quality") or {}).get("grade") == "clean"]
keys = {r["model"] for r in clean}
legacy = [r for r in rows if r["platform"].endswith("ort-cpu-1.30/fp32/t1") and r["batch"] == 1 and (r.get("quality") or {}).get("grade") == "legacy" and r["model"] in keys]
have = {}
for r in legacy: have.setdefault(r["platform"], set()).add(r["model"])
common = set(keys)
for p, s in have.items(): common &= s
out = [r for r in clean + legacy if r["model"] in common]
with gzip.open(f"{dst}/measurements.jsonl.gz", "wt") as f:
    for r in out: f.write(json.dumps(r) + "\n")
shutil.copy(f"{src}/specs.jsonl.gz", dst)
for n in ("MANIFEST.json", "platforms.json"): shutil.copy(f"{src}/{n}", dst)
print(f"{len(common)} graphs; rows per platform:", {p: sum(1 for r in out if r['platform'] == p) for p in sorted({r['platform'] for r in out})})
