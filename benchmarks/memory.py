"""Peak memory and throughput of `kerasnqs evaluate` and `kerasnqs.estimate`.

Every measurement runs in a fresh process; its peak resident memory is the kernel's own
figure for that process (`ru_maxrss` from `os.wait4`), so the Python interpreter,
TensorFlow and everything the run allocated are included. A watchdog kills a process
whose resident memory passes `--kill-above` (GB), so that a dangerous setting cannot
take the shared machine down; such a run is reported as `killed`.

Two kinds of run:

- `evaluate NAME [FLAGS]` runs `kerasnqs evaluate NAME FLAGS` (the command line users
  run) and reports the wall time of the whole process.
- `estimate NAME --samples N [--chunk-size C] [--batch-size B] [--jit]` calls
  `kerasnqs.estimate` on the zoo model NAME twice in one process: the first call
  includes tracing (and XLA compilation), the second is timed for samples per second
  (`--once`: only the first).

Usage:

    python benchmarks/memory.py table                       # the table of NOTES.md
    python benchmarks/memory.py evaluate tfim-chain-50-h1 --chunk-size 20000
    python benchmarks/memory.py estimate tfim-chain-100-h1 --samples 20000 --chunk-size 20000
    python benchmarks/memory.py sweep tfim-chain-50-h1 --samples 20000   # chunk sizes

`--repeat R` runs each configuration R times and reports medians.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ZOO_MODELS = (
    "tfim-chain-20-h1",
    "heisenberg-chain-20-pbc",
    "tfim-square-4x4-h3",
    "tfim-chain-50-h0.5",
    "tfim-chain-50-h1",
    "tfim-chain-50-h2",
    "tfim-chain-100-h1",
)


def child_estimate(spec):
    """Runs in the child: two `estimate` calls on a zoo model; prints timings as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import kerasnqs
    from kerasnqs import zoo

    wavefunction = zoo.load(spec["name"])
    hamiltonian = zoo.hamiltonian(spec["name"])
    options = {
        key: spec[key] for key in ("chunk_size", "batch_size", "memory_budget") if key in spec
    }

    def timed(seed):
        start = time.perf_counter()
        stats = kerasnqs.estimate(
            wavefunction,
            hamiltonian,
            n_samples=spec["samples"],
            seed=seed,
            jit_compile=spec.get("jit", False),
            **options,
        )
        return time.perf_counter() - start, stats

    first_seconds, stats = timed(0)
    seconds = first_seconds
    if not spec.get("once"):
        seconds, stats = timed(1)
    print(
        json.dumps(
            {
                "first_seconds": first_seconds,
                "seconds": seconds,
                "samples_per_second": spec["samples"] / seconds,
                "energy": float(stats.mean.real),
            }
        )
    )


def run_measured(command, kill_above_gb):
    """Runs `command`; returns `(peak_gb, wall_seconds, stdout, status)`."""
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    killed = threading.Event()

    def watch():
        limit_kb = kill_above_gb * 1024**2
        while process.poll() is None:
            if _resident_kb(process.pid) > limit_kb:
                killed.set()
                process.kill()
                return
            time.sleep(0.1)

    watchdog = threading.Thread(target=watch, daemon=True)
    watchdog.start()
    output = process.stdout.read().decode()
    errors = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    watchdog.join()
    wall = time.perf_counter() - start
    peak_gb = usage.ru_maxrss / 1024**2  # ru_maxrss is in kB on Linux
    if killed.is_set():
        return peak_gb, wall, output, "killed"
    if process.returncode != 0:
        sys.stderr.write(errors[-3000:])
        return peak_gb, wall, output, f"exit {process.returncode}"
    return peak_gb, wall, output, "ok"


def _resident_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_evaluate(name, flags, kill_above_gb):
    command = [sys.executable, "-m", "kerasnqs.cli.main", "evaluate", name, *flags]
    peak, wall, output, status = run_measured(command, kill_above_gb)
    samples = _flag_value(flags, "--samples", 10000)
    return {
        "peak_gb": peak,
        "wall_seconds": wall,
        "samples_per_second": samples / wall if status == "ok" else None,
        "status": status,
        "output": output.strip(),
    }


def measure_estimate(spec, kill_above_gb):
    command = [sys.executable, __file__, "--child", json.dumps(spec)]
    peak, wall, output, status = run_measured(command, kill_above_gb)
    result = {"peak_gb": peak, "wall_seconds": wall, "status": status}
    if status == "ok":
        result.update(json.loads(output.strip().splitlines()[-1]))
    return result


def _flag_value(flags, name, default):
    return int(flags[flags.index(name) + 1]) if name in flags else default


def median_of(runs, key):
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def report(label, runs):
    statuses = {run["status"] for run in runs}
    status = "ok" if statuses == {"ok"} else ",".join(sorted(statuses))
    peak = max(run["peak_gb"] for run in runs)
    line = f"{label:<62} peak {peak:5.2f} GB  {status:>6}"
    if "samples_per_second" in runs[0]:
        line += f"  {median_of(runs, 'samples_per_second'):8.0f} samples/s"
    if "first_seconds" in runs[0]:
        line += f"  first call {median_of(runs, 'first_seconds'):5.1f} s"
    line += f"  process {median_of(runs, 'wall_seconds'):5.1f} s"
    print(line, flush=True)


def estimate_spec(args, name, chunk_size=None):
    spec = {"name": name, "samples": args.samples, "jit": args.jit, "once": args.once}
    for key in ("batch_size", "memory_budget"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    chunk_size = args.chunk_size if chunk_size is None else chunk_size
    if chunk_size is not None:
        spec["chunk_size"] = None if chunk_size == "none" else _int_or_auto(chunk_size)
    return spec


def _int_or_auto(value):
    return value if value == "auto" else int(value)


def estimate_label(spec):
    options = " ".join(f"{k}={v}" for k, v in spec.items() if k not in ("name", "samples"))
    return f"estimate {spec['name']} n={spec['samples']} {options}"


def main():
    if sys.argv[1:2] == ["--child"]:
        child_estimate(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["evaluate", "estimate", "sweep", "table"])
    parser.add_argument("name", nargs="?", default=None)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--chunk-size", default=None, help="an integer, 'auto' or 'none'")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--memory-budget", default=None, help="passed on as given")
    parser.add_argument("--jit", action="store_true", help="estimate with XLA")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--once", action="store_true", help="one estimate call, not two")
    parser.add_argument("--kill-above", type=float, default=8.0, help="GB (8)")
    args, extra = parser.parse_known_args()

    if args.what == "evaluate":
        runs = [measure_evaluate(args.name, extra, args.kill_above) for _ in range(args.repeat)]
        report(f"kerasnqs evaluate {args.name} {' '.join(extra)}", runs)
        print(runs[-1]["output"])
    elif args.what == "estimate":
        spec = estimate_spec(args, args.name)
        runs = [measure_estimate(spec, args.kill_above) for _ in range(args.repeat)]
        report(estimate_label(spec), runs)
    elif args.what == "sweep":
        for chunk_size in ("2500", "5000", "10000", "20000", "40000", "80000", "auto"):
            spec = estimate_spec(args, args.name, chunk_size)
            runs = [measure_estimate(spec, args.kill_above) for _ in range(args.repeat)]
            report(estimate_label(spec), runs)
    else:
        for name in ZOO_MODELS:
            runs = [measure_evaluate(name, [], args.kill_above) for _ in range(args.repeat)]
            report(f"kerasnqs evaluate {name}", runs)
        spec = {"name": "tfim-chain-100-h1", "samples": 100000, "jit": False, "once": True}
        runs = [measure_estimate(spec, args.kill_above) for _ in range(args.repeat)]
        report(estimate_label(spec), runs)


if __name__ == "__main__":
    main()
