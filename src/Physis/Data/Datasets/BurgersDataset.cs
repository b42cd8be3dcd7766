using Physis.Solvers.RandomFields;
using Physis.Solvers.Spectral;

namespace Physis.Data.Datasets;

/// <summary>
/// The Burgers benchmark of the Fourier neural operator (Li et al. 2021): u_t + u u_x = nu u_xx on the periodic
/// [0, 1) with nu = 0.1, initial data from the Gaussian random field N(0, 625 (-Laplacian + 25 I)^-2), solution at
/// t = 1 (or at <c>times</c> equally spaced times up to 1). As in FNO, each initial condition is drawn on 8192
/// points and subsampled, so sample i is the same function at every resolution; the solve runs by ETDRK4 on the
/// output grid itself (the solution is smooth: nu = 0.1 damps mode k by exp(-0.1 (2 pi k)^2) by t = 1).
/// </summary>
public sealed class BurgersDataset : DatasetGenerator
{
    public const int DefaultResolution = 1024;
    public const int MinResolution = 16;
    /// <summary>The grid the initial conditions are drawn on; resolutions are its power-of-two divisors.</summary>
    public const int MaxResolution = 8192;
    public const double Viscosity = 0.1;
    public const double FinalTime = 1.0;
    /// <summary>ETDRK4 step: 1000 steps to t = 1; halving it changes the solution by about 1e-11 at n = 1024.</summary>
    public const double TimeStep = 1e-3;
    public const double GrfAlpha = 2, GrfTau = 5, GrfSigma = 25;

    private static readonly GaussianRandomField Field = new(1, MaxResolution, GrfAlpha, GrfTau, GrfSigma, BoundaryKind.Periodic);

    public BurgersDataset(int resolution = DefaultResolution, int times = 1)
    {
        if (resolution is < MinResolution or > MaxResolution || !int.IsPow2(resolution))
            throw new ArgumentException($"Resolution {resolution} is not supported for burgers: use a power of two from {MinResolution} to "
                + $"{MaxResolution} (initial conditions are drawn on {MaxResolution} points and subsampled).");
        if (times < 1)
            throw new ArgumentException($"--times must be at least 1 for burgers; got {times}.");
        InputShape = [resolution];
        XCoordinate = new double[resolution];
        for (int j = 0; j < resolution; j++) XCoordinate[j] = (double)j / resolution;
        TimeCoordinate = TimesAfterStart(FinalTime, times);
    }

    public override string Name => "burgers";
    public override string Equation => "u_t + u u_x = nu u_xx, periodic on [0, 1), u(x, 0) ~ N(0, grf_sigma^2 (-Laplacian + grf_tau^2 I)^-grf_alpha)";
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] TimeCoordinate { get; }

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["nu"] = Viscosity,
        ["grf_alpha"] = GrfAlpha,
        ["grf_tau"] = GrfTau,
        ["grf_sigma"] = GrfSigma,
        ["dt"] = TimeStep,
    };

    public override SampleSolver CreateSolver()
    {
        int n = InputShape[0], stride = MaxResolution / n;
        var solver = new Etdrk4Solver1D(new Burgers1D(Viscosity), n, 1.0, TimeStep);
        return (random, input, tensor) =>
        {
            var u0 = Field.Sample1D(random);
            for (int j = 0; j < n; j++) input[j] = u0[j * stride];
            solver.SolveInto(input, TimeCoordinate, tensor);
        };
    }
}
