"""Benchmark: `fondsradar rank --json` on 10,000 stored calls vs. a plain TF-IDF script.

    .venv/bin/python benchmarks/bench_rank.py [N] [--repeat 3]

Generates N calls (bench_matcher.generate, fixed seed), imports them into a fresh store
(`fondsradar import`, not timed) and writes the same calls as JSON Lines. Then runs, each as
a whole process and alternately `--repeat` times:

- ours: `python -m fondsradar --config bench.toml rank --json` (reads the store, ranks all
  N calls against the nine themes of config.toml, prints the top 10 with explanations);
- baseline: `python benchmarks/tfidf_baseline.py calls.jsonl config.toml` (a default
  scikit-learn TfidfVectorizer on the same calls and the themes' keywords, top 10).

Prints the best wall time of each, the ratio ours/baseline and each one's peak RSS (the
process's own maximum resident set, from wait4). Targets: ratio <= 1.5, ours < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_matcher import generate  # noqa: E402

TODAY = "2026-12-01"


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB and stdout of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only as a max
    # over all children, so the child measures itself instead (see _rss_wrapper).
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[2:4]} failed:\n{err.decode()[-2000:]}")
    rss = json.loads(err.decode().strip().splitlines()[-1])["maxrss_mb"]
    return wall, rss, out


# Runs a command in this same process via runpy, then reports its own peak RSS on stderr:
# the measured process is exactly the command's, plus this small wrapper.
_RSS_WRAPPER = (
    "import json, resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    if sys.argv[0] == '-m':\n"
    "        sys.argv = sys.argv[1:]\n"
    "        runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
    "    else:\n"
    "        runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "except SystemExit as exc:\n"
    "    if exc.code not in (0, None):\n"
    "        raise\n"
    "finally:\n"
    "    sys.stdout.flush()\n"
    "    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
    "    print(json.dumps({'maxrss_mb': round(rss, 1)}), file=sys.stderr)\n"
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        calls = generate(args.n)
        for c in calls:  # import wants a URL; the generated calls have none
            c["url"] = f"https://bench.example/{c['id'].split(':')[1]}"
            c["source"] = "manual"
        jsonl = work / "calls.jsonl"
        jsonl.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls),
                         encoding="utf-8")
        config = work / "bench.toml"
        text = (ROOT / "config.toml").read_text(encoding="utf-8")
        config.write_text(text.replace('path = "data/fondsradar.db"',
                                       f'path = "{work / "bench.db"}"'), encoding="utf-8")
        subprocess.run([python, "-m", "fondsradar", "--config", str(config), "--today", TODAY,
                        "import", str(jsonl)], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        wrapper = work / "rss.py"
        wrapper.write_text(_RSS_WRAPPER, encoding="utf-8")
        ours_cmd = [python, str(wrapper), "-m", "fondsradar", "--config", str(config),
                    "--today", TODAY, "rank", "--json"]
        base_cmd = [python, str(wrapper), str(ROOT / "benchmarks" / "tfidf_baseline.py"),
                    str(jsonl), str(ROOT / "config.toml")]
        ours, base = [], []
        for _ in range(args.repeat):
            ours.append(run(ours_cmd, env))
            base.append(run(base_cmd, env))
        top_ours = json.loads(ours[0][2])
        top_base = json.loads(base[0][2])
    o_wall, b_wall = min(w for w, _, _ in ours), min(w for w, _, _ in base)
    o_rss, b_rss = max(r for _, r, _ in ours), max(r for _, r, _ in base)
    print(f"{args.n} calls, best of {args.repeat} runs each, whole processes")
    print(f"  ours      rank --json       wall {o_wall:6.2f} s   peak RSS {o_rss:6.0f} MB"
          f"   (runs: {', '.join(f'{w:.2f}' for w, _, _ in ours)})")
    print(f"  baseline  TfidfVectorizer   wall {b_wall:6.2f} s   peak RSS {b_rss:6.0f} MB"
          f"   (runs: {', '.join(f'{w:.2f}' for w, _, _ in base)})")
    print(f"  ratio ours/baseline: {o_wall / b_wall:.2f} (target <= 1.5); "
          f"ours peak {o_rss:.0f} MB (target < 500 MB)")
    print(f"  printed: ours {len(top_ours)} calls, baseline {len(top_base)} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
