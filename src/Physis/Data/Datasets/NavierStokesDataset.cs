using Physis.Solvers.RandomFields;
using Physis.Solvers.Spectral;

namespace Physis.Data.Datasets;

/// <summary>
/// The Navier-Stokes benchmark of the Fourier neural operator: vorticity w_t + u . grad w = nu Lap w + f on the
/// periodic unit square, nu = 1e-3, f = 0.1 (sin 2 pi (x + y) + cos 2 pi (x + y)), initial vorticity from the
/// periodic field N(0, 7^3 (-Laplacian + 49 I)^-2.5), recorded at t = 1, 2, ..., 50. Solved on a grid twice as
/// fine as the output and subsampled (every second point), as FNO subsamples its 256 x 256 solves.
/// </summary>
public sealed class NavierStokesDataset : DatasetGenerator
{
    public const int DefaultResolution = 64;
    public const int MinResolution = 16;
    public const int MaxResolution = 256;
    /// <summary>
    /// Solve grid over output grid. At R = 64 the vorticity spectrum at t = 50 is down to 1e-13 of its peak by
    /// |k| = 32 and 1e-17 by |k| = 40 (the 2/3-rule cutoff of the 128 solve): fully resolved.
    /// </summary>
    public const int Refinement = 2;
    public const double Viscosity = 1e-3;
    public const double FinalTime = 50;
    public const int DefaultTimes = 50;
    /// <summary>Heun / Crank-Nicolson step on the fine grid: halving it changes w(t = 50) by about 2e-6 (relative L2).</summary>
    public const double TimeStep = 5e-3;
    public const double GrfAlpha = 2.5, GrfTau = 7;
    public static readonly double GrfSigma = Math.Pow(GrfTau, GrfAlpha - 1);

    private readonly GaussianRandomField _field;
    private readonly int _fine;

    public NavierStokesDataset(int resolution = DefaultResolution, int times = DefaultTimes)
    {
        if (resolution is < MinResolution or > MaxResolution || resolution % 2 != 0)
            throw new ArgumentException($"Resolution {resolution} is not supported for navier-stokes: "
                + $"use an even number of points from {MinResolution} to {MaxResolution}.");
        if (times < 1)
            throw new ArgumentException($"--times must be at least 1 for navier-stokes; got {times}.");
        _fine = Refinement * resolution;
        _field = new GaussianRandomField(2, _fine, GrfAlpha, GrfTau, GrfSigma, BoundaryKind.Periodic);
        InputShape = [resolution, resolution];
        XCoordinate = new double[resolution];
        for (int i = 0; i < resolution; i++) XCoordinate[i] = (double)i / resolution;
        TimeCoordinate = TimesAfterStart(FinalTime, times);
    }

    public override string Name => "navier-stokes";
    public override string Equation =>
        "w_t + u . grad w = nu Lap w + f, periodic on [0, 1)^2, f = 0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y))), w(x, 0) ~ N(0, "
        + "grf_sigma^2 (-Laplacian + grf_tau^2 I)^-grf_alpha)";
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] YCoordinate => XCoordinate;
    public override double[] TimeCoordinate { get; }

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["nu"] = Viscosity,
        ["grf_alpha"] = GrfAlpha,
        ["grf_tau"] = GrfTau,
        ["grf_sigma"] = GrfSigma,
        ["dt"] = TimeStep,
        ["solve_resolution"] = _fine,
    };

    public override SampleSolver CreateSolver()
    {
        var solver = new NavierStokes2D(_fine, Viscosity, TimeStep, NavierStokes2D.FnoForcing);
        int n = InputShape[0], plane = n * n;
        return (random, input, tensor) =>
        {
            var w0 = _field.Sample2D(random);
            Subsample(w0, input);
            var w = solver.Solve(w0, TimeCoordinate);
            for (int k = 0; k < w.Length; k++) Subsample(w[k], tensor.Slice(k * plane, plane));
        };
    }

    private static void Subsample(double[,] fine, Span<double> coarse)
    {
        int n = fine.GetLength(0) / Refinement;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                coarse[i * n + j] = fine[Refinement * i, Refinement * j];
    }
}
