"""Benchmark: minigrad_ae (numba kernels on, and off) against PyTorch on the CPU, side by side.

    python bench/run.py            # a few minutes
    python bench/run.py --quick    # well under a minute, noisier
    python bench/run.py --only W1 W2 --rounds 30

Each implementation runs in its own worker process (so one library's threads, allocator settings or
imports cannot slow another), and the parent interleaves them: in every round, each workload is timed
once in each worker, in a rotating order, after a pause that lets the other workers' idle BLAS threads
stop spinning (a measurement: the median step of ~0.1 s of steps). Reported: the median over rounds,
in ms per step, and ratios of medians from the same run. Also: per-op overhead of the autodiff, the
BLAS floor of each step, each kernel against its NumPy reference, and the cold start of a fresh
process (import + first W1 step) with a warm and a cold numba cache.
PyTorch is optional: without it, its columns are left out.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from kernels import time_kernels  # noqa: E402
from workloads import WORKLOADS, build_floor, build_minigrad, build_torch  # noqa: E402

IMPLS = {  # name -> (builder, environment for its worker)
    # "always": the steady state of a long run, compiled kernels (by default a process switches to them only once
    # they pay for loading numba, after ~280 W1 steps or ~10,000 W2 steps: kernels/jit.py)
    "numba": ("minigrad", {"MINIGRAD_AE_NUMBA": "always"}),
    "numpy": ("minigrad", {"MINIGRAD_AE_NUMBA": "0"}),
    "untuned": ("minigrad", {"MINIGRAD_AE_NUMBA": "always", "BENCH_MALLOC_TUNING": "0"}),
    "torch": ("torch", {}),
    "floor": ("floor", {}),
}
BUILDERS = {"minigrad": build_minigrad, "torch": build_torch, "floor": build_floor}


# ================================================================ worker side
def worker(kind):
    """Answer one JSON command per stdin line: build (and warm up) a workload, time it, or time per-op overhead."""
    steps = {}
    if kind != "torch" and os.environ.get("BENCH_MALLOC_TUNING", "1") != "0":
        from minigrad_ae.kernels import keep_freed_memory
        keep_freed_memory()   # what a training script may call once (kernels/memory.py); "untuned" measures without
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "build":
            step = steps[cmd["workload"]] = BUILDERS[kind](cmd["workload"])
            reply = {"loss": step()}       # the first step also compiles or loads the kernels it needs
            for _ in range(2):
                step()
        elif cmd["cmd"] == "time":   # the median step of n: a burst of load from elsewhere hits a few steps only
            step, times = steps[cmd["workload"]], []
            for _ in range(cmd["steps"]):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            reply = {"ms": statistics.median(times) * 1e3}
        elif cmd["cmd"] == "overhead":
            reply = op_overhead(kind)
        elif cmd["cmd"] == "kernels":
            reply = time_kernels(rounds=cmd["rounds"])
        else:
            break
        print(json.dumps(reply), flush=True)


def op_overhead(kind, n_ops=200, repeats=30):
    """µs per op of a chain of small ops (8×8 float32: y = y·1.01 + x, forward and backward), and the same
    NumPy arithmetic done directly; bookkeeping = the difference (graph recording, dispatch, backward walk)."""
    import numpy as np
    a = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    ones, scale = np.ones_like(a), np.float32(1.01)

    def direct():
        y = a
        for _ in range(n_ops // 2):
            y = y * scale
            y = y + a
        g, gx = ones, np.zeros_like(a)
        for _ in range(n_ops // 2):
            gx = gx + g              # Add's gradient to x
            g = g * scale            # Mul's gradient to y

    if kind == "torch":
        import torch
        x0, ones_t = torch.from_numpy(a).requires_grad_(True), torch.from_numpy(ones)

        def chain():
            y = x0
            for _ in range(n_ops // 2):
                y = y * 1.01
                y = y + x0
            y.backward(ones_t)
            x0.grad = None
    else:
        import minigrad_ae as mg
        x0 = mg.tensor(a, requires_grad=True)

        def chain():
            y = x0
            for _ in range(n_ops // 2):
                y = y * 1.01
                y = y + x0
            y.backward(ones)
            x0.grad = None

    def per_op(fn):
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times) / n_ops * 1e6

    total, numpy_only = per_op(chain), per_op(direct)
    return {"total_us": total, "numpy_us": numpy_only, "bookkeeping_us": total - numpy_only}


# ================================================================ parent side
class Worker:
    """One implementation in its own process; ``workload`` set: a worker for that workload alone."""

    def __init__(self, impl, threads=None, workload=None):
        kind, env = IMPLS[impl]
        self.impl, self.workloads = impl, None if workload is None else {workload}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", kind],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **env, **thread_env(threads)})
        self.read()

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench worker {self.impl!r} died (see its traceback above)")
        return json.loads(line)

    def close(self):
        self.proc.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
        self.proc.stdin.close()
        self.proc.wait()


def thread_env(threads):
    """Environment that caps the BLAS / OpenMP thread pools of NumPy and PyTorch (None: their defaults)."""
    if threads is None:
        return {}
    return {name: str(threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def torch_available():
    try:
        import importlib.util
        return importlib.util.find_spec("torch") is not None
    except ValueError:
        return False


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def run_rounds(workers, workloads, rounds, target_s, pause_s=0.0):
    """{impl: {workload: [ms per step, one per round]}}, interleaved: every round times every pair once.

    ``pause_s`` before each measurement lets the previous worker's idle BLAS / OpenMP threads stop
    spinning: OpenBLAS's keep polling for ~0.1 s after a product, and on 2 cores a third busy thread
    can stall the measured worker's own threads (steps of 170 ms instead of 3)."""
    print(f"building and warming up {len(workloads)} workloads in {len(workers)} workers ...", flush=True)
    runs = lambda name: [w for w in workers if w.workloads is None or name in w.workloads]   # noqa: E731
    first, times, steps = {}, {}, {}
    for name in workloads:
        for w in runs(name):
            first.setdefault(w.impl, {})[name] = w.ask(cmd="build", workload=name)
            times.setdefault(w.impl, {})[name] = []
        # enough steps per measurement to take ~target_s in the slowest implementation
        slowest = max(w.ask(cmd="time", workload=name, steps=2)["ms"] for w in runs(name))
        steps[name] = max(2, round(target_s * 1e3 / slowest))
    for r in range(rounds):
        for name in workloads:
            order = runs(name)
            for w in order[r % len(order):] + order[:r % len(order)]:
                time.sleep(pause_s)
                times[w.impl][name].append(w.ask(cmd="time", workload=name, steps=steps[name])["ms"])
        print(f"  round {r + 1}/{rounds} (load average {loadavg():.1f})", flush=True)
    return times, first


COLD_START = """
import sys, time  # noqa: E401
sys.path.insert(0, {bench!r})
import_start = time.perf_counter()
import {module}
imported = time.perf_counter()
from workloads import {builder}
step = {builder}("W1")
step()
print("{{:.4f}} {{:.4f}}".format(imported - import_start, time.perf_counter() - imported), flush=True)
"""


def cold_start(module, builder, env, threads=None):
    """Seconds from starting a fresh interpreter to the end of its first W1 step (and: import, first step).

    Python may cache minigrad_ae's compiled bytecode (in its git-ignored __pycache__ folders), as it does
    for every installed package, even where the environment sets PYTHONDONTWRITEBYTECODE.
    """
    code = COLD_START.format(bench=str(BENCH_DIR), module=module, builder=builder)
    env = {**os.environ, **env, **thread_env(threads)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    total = time.perf_counter() - start
    proc.wait()
    import_s, step_s = map(float, line.split())
    return total, import_s, step_s


def cold_starts(repeats, with_torch, threads=None):
    """Median over ``repeats`` of (total, import, first step), per case; each cold run gets a fresh numba cache,
    which the warm runs right after it then find filled. "numba": the default, where a first step runs the
    NumPy references (numba does not pay yet, kernels/jit.py); "compiled": numba from the first call."""
    def minigrad(numba, cache=None):
        env = {"MINIGRAD_AE_NUMBA": numba, **({"NUMBA_CACHE_DIR": cache} if cache else {})}
        return cold_start("minigrad_ae", "build_minigrad", env, threads)

    cases = {"numba, warm cache": [], "compiled, warm cache": [], "compiled, cold cache": [], "numba off": []}
    cases.update({"torch": []} if with_torch else {})
    minigrad("0")  # untimed: writes minigrad_ae's bytecode cache
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            cases["compiled, cold cache"].append(minigrad("always", cache))
            cases["compiled, warm cache"].append(minigrad("always", cache))
            cases["numba, warm cache"].append(minigrad("1", cache))
        cases["numba off"].append(minigrad("0"))
        if with_torch:
            cases["torch"].append(cold_start("torch", "build_torch", {}, threads))
    return {case: [statistics.median(column) for column in zip(*runs)] for case, runs in cases.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and shorter measurements (< 1 minute)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 15, quick 5)")
    parser.add_argument("--only", nargs="+", choices=sorted(WORKLOADS), help="run only these workloads")
    parser.add_argument("--numba", choices=("on", "off", "both"), default="both",
                        help="minigrad_ae with numba kernels, with the NumPy references only (MINIGRAD_AE_NUMBA=0), "
                             "or both side by side (default)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if it is installed")
    parser.add_argument("--threads", type=int, help="cap NumPy's and PyTorch's thread pools (default: theirs); "
                        "1 gives steadier comparisons on a busy machine")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)

    rounds = args.rounds or (5 if args.quick else 15)
    target_s, pause_s = (0.03, 0.2) if args.quick else (0.1, 0.3)
    workloads = args.only or sorted(WORKLOADS)
    with_torch = not args.no_torch and torch_available()
    impls = {"on": ["numba"], "off": ["numpy"], "both": ["numba", "numpy"]}[args.numba]
    if "numba" in impls and not args.quick:
        impls.append("untuned")
    impls += ["torch"] * with_torch + ["floor"]
    began = time.time()
    print(f"minigrad_ae benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()} {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, threads {args.threads or 'default'}, "
          f"load average {loadavg():.1f} at start", flush=True)

    # one untuned worker per workload: glibc raises its own thresholds after freeing big arrays, so an untuned
    # process that ran W4 first would hide the effect on W5
    workers = [Worker(impl, args.threads) for impl in impls if impl != "untuned"]
    workers += [Worker("untuned", args.threads, name) for name in workloads if "untuned" in impls]
    try:
        times, first = run_rounds(workers, workloads, rounds, target_s, pause_s)
        overhead = {w.impl: [] for w in workers if w.impl in ("numba", "numpy", "torch")}
        for _ in range(5):   # interleaved too: the median of 5 rounds
            for w in workers:
                if w.impl in overhead:
                    time.sleep(pause_s)
                    overhead[w.impl].append(w.ask(cmd="overhead"))
        overhead = {impl: {key: statistics.median(o[key] for o in runs) for key in runs[0]}
                    for impl, runs in overhead.items()}
        time.sleep(pause_s)
        kernel_times = next((w.ask(cmd="kernels", rounds=rounds) for w in workers if w.impl == "numba"), None)
    finally:
        for w in workers:
            w.close()
    starts = cold_starts(1 if args.quick else 3, with_torch, args.threads)

    print_report(times, first, overhead, kernel_times, starts, workloads, impls, rounds, began)


def spread(ms_per_round):
    """Interquartile range over median of one worker's per-round times: how much the machine's load moved them."""
    if len(ms_per_round) < 2:
        return 0.0
    q1, q2, q3 = statistics.quantiles(ms_per_round, n=4)
    return (q3 - q1) / q2


def print_report(times, first, overhead, kernel_times, starts, workloads, impls, rounds, began):
    med = {impl: {name: statistics.median(ts) for name, ts in per.items()} for impl, per in times.items()}
    mg = "numba" if "numba" in impls else "numpy"
    print(f"\nmedian ms per training step over {rounds} interleaved rounds (float32; forward, loss, backward, Adam)")
    header = [f"{'':4}", f"{'minigrad_ae':>11}"]
    if "numba" in impls and "numpy" in impls:
        header += [f"{'numba off':>10}", f"{'off/on':>7}"]
    if "torch" in impls:
        header += [f"{'PyTorch':>8}", f"{'mg/torch':>9}"]
    header += [f"{'BLAS floor':>11}", f"{'mg/floor':>9}"]
    print("  ".join(header))
    for name in workloads:
        row = [f"{name:4}", f"{med[mg][name]:11.3f}"]
        if "numba" in impls and "numpy" in impls:
            row += [f"{med['numpy'][name]:10.3f}", f"{med['numpy'][name] / med['numba'][name]:7.2f}"]
        if "torch" in impls:
            row += [f"{med['torch'][name]:8.3f}", f"{med[mg][name] / med['torch'][name]:9.2f}"]
        row += [f"{med['floor'][name]:11.3f}", f"{med[mg][name] / med['floor'][name]:9.2f}"]
        print("  ".join(row))
    for name in workloads:
        print(f"  {name}: {WORKLOADS[name]}")
    spreads = {name: {impl: spread(times[impl][name]) for impl in ("numba", "numpy", "torch", "floor")
                      if impl in impls} for name in workloads}
    print("spread over rounds (interquartile range / median of each worker's per-round times):")
    for name, per in spreads.items():
        print(f"  {name}  " + "  ".join(f"{impl} {value:.2f}" for impl, value in per.items()))
    best = {impl: {name: min(ts) for name, ts in per.items()} for impl, per in times.items()}
    pairs = [("mg/torch", mg, "torch"), ("off/on", "numpy", "numba")]
    print("ratios of each worker's fastest round (interference only ever adds time: an estimate for a quiet machine):")
    for label, a, b in pairs:
        if a in impls and b in impls:
            print(f"  {label:9}" + "  ".join(f"{n} {best[a][n] / best[b][n]:.2f}" for n in workloads))
    if max(max(per.values()) for per in spreads.values()) > 0.25:
        print("  the machine was busy during this run: ratios can be off by 0.1 or more. Compare several runs, "
              "or rerun when the machine is quiet.")
    if "numba" in impls and "numpy" in impls:
        worst = max(abs(first["numba"][n]["loss"] - first["numpy"][n]["loss"]) / abs(first["numpy"][n]["loss"])
                    for n in workloads)
        print(f"numba off is correct: first-step losses agree with numba on to {worst:.1e} (relative)")

    if "untuned" in impls:
        print("\nmalloc tuning (minigrad_ae/kernels/memory.py): ms per step untuned (without kernels.keep_freed_memory())"
              " / tuned = ratio")
        for n in workloads:
            untuned, tuned = med["untuned"][n], med["numba"][n]
            print(f"  {n}  {untuned:8.3f} / {tuned:8.3f} = {untuned / tuned:.2f}")
    if kernel_times:
        print("\nkernels, median µs per call: NumPy reference vs numba (same process, interleaved rounds)")
        for name, (note, ref_us, numba_us) in kernel_times.items():
            print(f"  {name:20} {note:28} {ref_us:9.1f} {numba_us:9.1f}   {ref_us / numba_us:5.1f}x")

    print("\nper-op overhead (chain of 200 small ops, forward + backward), µs per op:")
    for impl, o in overhead.items():
        print(f"  {impl:6} total {o['total_us']:6.2f}   same NumPy work done directly {o['numpy_us']:5.2f}   "
              f"bookkeeping {o['bookkeeping_us']:6.2f}")

    print("\ncold start: fresh process, import + first W1 step (seconds; median)")
    for case, (total, import_s, step_s) in starts.items():
        print(f"  {case:20} {total:6.2f}   (import {import_s:.2f}, first step {step_s:.2f})")
    print(f"\nload average at the end {loadavg():.1f}; the whole run took {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
