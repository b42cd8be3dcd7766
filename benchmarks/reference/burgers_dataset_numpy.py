"""Plain NumPy/SciPy reference for `physis bench dataset`: solves the Burgers dataset samples whose initial
conditions Physis sampled (an .npy file [N, n]) with the ETDRK4 solver of etdrk4_burgers_numpy.py (same scheme,
coefficients and dealiasing as Physis), at one thread, and writes the solutions at t (an .npy file [N, n]).

Prints one JSON line: samples per second of wall time and of CPU time over all N solves (after one untimed warm-up
solve), and the FFT used.

    python3 burgers_dataset_numpy.py inputs.npy outputs.npy --nu 0.1 --dt 0.001 --t 1 --fft scipy
"""
import argparse
import json
import os
import sys
import time

# One thread, as a per-core reference; set before NumPy loads its BLAS.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etdrk4_burgers_numpy import make_solver  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("inputs")
    p.add_argument("outputs")
    p.add_argument("--nu", type=float, default=0.1)
    p.add_argument("--dt", type=float, default=1e-3)
    p.add_argument("--t", type=float, default=1.0)
    p.add_argument("--period", type=float, default=1.0)
    p.add_argument("--fft", choices=["numpy", "scipy"], default="scipy")
    a = p.parse_args()
    u0 = np.load(a.inputs)
    samples, n = u0.shape
    solve = make_solver(n, a.period, a.nu, a.dt, a.fft)
    solve(u0[0], a.t)
    out = np.empty_like(u0)
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(samples):
        out[i] = solve(u0[i], a.t)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    np.save(a.outputs, out)
    print(json.dumps({"samples_per_second": samples / seconds, "samples_per_cpu_second": samples / cpu_seconds,
                      "seconds": seconds, "fft": a.fft}))


if __name__ == "__main__":
    main()
