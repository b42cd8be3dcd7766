"""NumPy/SciPy reference for Physis' Etdrk4Solver1D on viscous Burgers (same algorithm, same conventions).

ETDRK4 of Cox and Matthews with Kassam-Trefethen contour coefficients (32 points on the upper half of a
circle of radius 1, i.e. 64 on the full circle), 2/3-rule dealiasing of N(u) = -(u^2/2)_x, periodic domain
of length `period`. Times whole solves (coefficients computed once, as in a dataset generator) and prints
milliseconds per solve; with --compare FILE it also prints the max difference to a solution written by Physis
(one value per line).

    python3 etdrk4_burgers_numpy.py --n 1024 --dt 0.005 --t 1 --fft scipy --compare physis_u.txt
"""
import argparse
import time

import numpy as np


def contour_coefficients(L, h, M=32):
    r = np.exp(1j * np.pi * (np.arange(1, M + 1) - 0.5) / M)
    LR = h * L[:, None] + r[None, :]
    eLR = np.exp(LR)
    Q = h * np.real(np.mean((np.exp(LR / 2) - 1) / LR, axis=1))
    f1 = h * np.real(np.mean((-4 - LR + eLR * (4 - 3 * LR + LR**2)) / LR**3, axis=1))
    f2 = h * np.real(np.mean((2 + LR + eLR * (LR - 2)) / LR**3, axis=1))
    f3 = h * np.real(np.mean((-4 - 3 * LR - LR**2 + eLR * (4 - LR)) / LR**3, axis=1))
    return Q, f1, f2, f3


def make_solver(n, period, nu, dt, fft):
    if fft == "scipy":
        import scipy.fft as sf
        rfft, irfft = (lambda x: sf.rfft(x, workers=1)), (lambda v: sf.irfft(v, n, workers=1))
    else:
        rfft, irfft = np.fft.rfft, (lambda v: np.fft.irfft(v, n))
    j = np.arange(n // 2 + 1)
    k = 2 * np.pi * j / period
    L = -nu * k**2
    E, E2 = np.exp(dt * L), np.exp(dt * L / 2)
    Q, f1, f2, f3 = contour_coefficients(L, dt)
    g = -0.5j * k * (3 * j < n)

    def N(v):
        u = irfft(v)
        return g * rfft(u * u)

    def solve(u0, t):
        v = rfft(u0)
        for _ in range(int(round(t / dt))):
            Nv = N(v)
            a = E2 * v + Q * Nv
            Na = N(a)
            b = E2 * v + Q * Na
            Nb = N(b)
            c = E2 * a + Q * (2 * Nb - Nv)
            Nc = N(c)
            v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        return irfft(v)

    return solve


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1024)
    p.add_argument("--dt", type=float, default=0.005)
    p.add_argument("--t", type=float, default=1.0)
    p.add_argument("--nu", type=float, default=0.1)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--fft", choices=["numpy", "scipy"], default="numpy")
    p.add_argument("--compare")
    a = p.parse_args()
    x = -1 + 2 * np.arange(a.n) / a.n
    u0 = -np.sin(np.pi * x)
    solve = make_solver(a.n, 2.0, a.nu, a.dt, a.fft)
    u = solve(u0, a.t)
    best = min(_timed(solve, u0, a.t) for _ in range(a.reps))
    line = f"numpy-etdrk4 fft={a.fft} n={a.n} dt={a.dt}: {best * 1e3:.3f} ms/solve"
    if a.compare:
        line += f", max |u_numpy - u_physis| = {np.max(np.abs(u - np.loadtxt(a.compare))):.2e}"
    print(line)


def _timed(solve, u0, t):
    start = time.perf_counter()
    solve(u0, t)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
