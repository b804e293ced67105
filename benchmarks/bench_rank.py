"""Benchmark: `fondsradar rank --json` on 10,000 stored calls vs. a plain TF-IDF script.

    .venv/bin/python benchmarks/bench_rank.py [N] [--repeat 3]

Generates N calls (bench_matcher.generate, fixed seed), imports them into a fresh store
(`fondsradar import`, not timed) and writes the same calls as JSON Lines. Then runs, each as
a whole process and alternately `--repeat` times:

- ours: `python -m fondsradar --config bench.toml rank --json` (reads the store, ranks all
  N calls against the nine themes of config.toml, prints the top 10 with explanations);
- baseline: `python benchmarks/tfidf_baseline.py calls.jsonl config.toml` (a default
  scikit-learn TfidfVectorizer on the same calls and the themes' keywords, top 10).

Prints the best wall and CPU time of each, the ratios ours/baseline and each one's peak RSS
(the process's own maximum resident set and CPU, reported by a small wrapper that runs the
command in the same process). Targets: ratio <= 1.5, ours < 500 MB. On a shared machine
the wall ratio moves with the load (waiting counts for both); the CPU ratio is steadier.
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


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes, float]:
    """Wall seconds, peak RSS in MB, stdout and CPU seconds of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only as a max
    # over all children, so the child measures itself instead (see _RSS_WRAPPER).
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[2:4]} failed:\n{err.decode()[-2000:]}")
    own = json.loads(err.decode().strip().splitlines()[-1])
    return wall, own["maxrss_mb"], out, own["cpu_s"]


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
    "    use = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    print(json.dumps({'maxrss_mb': round(use.ru_maxrss / 1024, 1),\n"
    "                      'cpu_s': round(use.ru_utime + use.ru_stime, 2)}), file=sys.stderr)\n"
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
    o_wall, b_wall = min(r[0] for r in ours), min(r[0] for r in base)
    o_cpu, b_cpu = min(r[3] for r in ours), min(r[3] for r in base)
    o_rss, b_rss = max(r[1] for r in ours), max(r[1] for r in base)
    print(f"{args.n} calls, best of {args.repeat} runs each, whole processes")
    for name, runs, wall, cpu, rss in (("ours      rank --json    ", ours, o_wall, o_cpu, o_rss),
                                       ("baseline  TfidfVectorizer", base, b_wall, b_cpu, b_rss)):
        print(f"  {name}  wall {wall:6.2f} s  CPU {cpu:5.2f} s  peak RSS {rss:5.0f} MB"
              f"   (wall per run: {', '.join(f'{r[0]:.2f}' for r in runs)})")
    print(f"  ratio ours/baseline: wall {o_wall / b_wall:.2f}, CPU {o_cpu / b_cpu:.2f} "
          f"(target <= 1.5); ours peak {o_rss:.0f} MB (target < 500 MB)")
    print(f"  printed: ours {len(top_ours)} calls, baseline {len(top_base)} calls; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
