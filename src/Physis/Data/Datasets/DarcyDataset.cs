using System.Runtime.InteropServices;
using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;
using Physis.Solvers.RandomFields;

namespace Physis.Data.Datasets;

/// <summary>
/// The Darcy benchmark of the Fourier neural operator: -div(a grad u) = 1 on the unit square, u = 0 on the boundary,
/// with a = 12 where a Neumann Gaussian random field N(0, (-Laplacian + 9 I)^-2) is non-negative and 3 elsewhere.
/// Steady: the tensor holds one "time", t = 0. Nodes include the boundary, x_i = i / (n - 1). As in FNO, the field
/// is drawn on 421 x 421 nodes and subsampled, so sample i has the same coefficient at every resolution. A resolution n
/// with n - 1 not dividing 420 takes the field bilinearly interpolated between those nodes before thresholding (the
/// field is smooth, so this is the same distribution up to the interpolation error of a 421-node grid).
/// </summary>
public sealed class DarcyDataset : DatasetGenerator
{
    public const int DefaultResolution = 85;
    /// <summary>The grid the coefficients are drawn on; a resolution n with n - 1 dividing 420 samples it exactly.</summary>
    public const int MaxResolution = 421;
    /// <summary>The fewest nodes per axis: one interior node to solve for.</summary>
    public const int MinResolution = 3;
    public const double High = 12, Low = 3, Forcing = 1;
    public const double GrfAlpha = 2, GrfTau = 3;
    /// <summary>Only the sign of the field matters after thresholding; tau^(alpha - 1) is the FNO generator's scale.</summary>
    public const double GrfSigma = 3;
    public const double Tolerance = 1e-10;

    private static readonly GaussianRandomField Field = new(2, MaxResolution, GrfAlpha, GrfTau, GrfSigma, BoundaryKind.Neumann);

    public DarcyDataset(int resolution = DefaultResolution)
    {
        if (resolution < MinResolution || resolution > MaxResolution)
            throw new ArgumentException($"Resolution {resolution} is not supported for darcy: use {MinResolution} to {MaxResolution} "
                + $"(coefficients are drawn on {MaxResolution} x {MaxResolution} nodes and subsampled).");
        InputShape = [resolution, resolution];
        XCoordinate = new double[resolution];
        for (int i = 0; i < resolution; i++) XCoordinate[i] = (double)i / (resolution - 1);
    }

    public override string Name => "darcy";
    public override string Equation => "-div(a grad u) = f on [0, 1]^2, u = 0 on the boundary, a = a_high where a GRF >= 0 else a_low";
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] YCoordinate => XCoordinate;
    public override double[] TimeCoordinate => [0.0];

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["a_high"] = High,
        ["a_low"] = Low,
        ["f"] = Forcing,
        ["grf_alpha"] = GrfAlpha,
        ["grf_tau"] = GrfTau,
        ["grf_sigma"] = GrfSigma,
        ["tolerance"] = Tolerance,
    };

    public override SampleSolver CreateSolver()
    {
        var options = new LinearSolverOptions { Tolerance = Tolerance };
        int n = InputShape[0];
        // Where node i of this grid lies among the drawn nodes: below it, and the fraction of the way to the next.
        var (below, fraction) = (new int[n], new double[n]);
        for (int i = 0; i < n; i++)
        {
            // Integer arithmetic, so a grid with n - 1 dividing 420 lands exactly on drawn nodes.
            below[i] = Math.Min(i * (MaxResolution - 1) / (n - 1), MaxResolution - 2);
            fraction[i] = (i * (MaxResolution - 1) - below[i] * (n - 1)) / (double)(n - 1);
        }
        return (random, input, tensor) =>
        {
            var field = Field.Sample2D(random);
            var nodes = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    var (a, b) = (below[i], below[j]);
                    var (s, t) = (fraction[i], fraction[j]);
                    nodes[i, j] = (1 - s) * ((1 - t) * field[a, b] + t * field[a, b + 1]) + s * ((1 - t) * field[a + 1, b] + t * field[a + 1, b + 1]);
                }
            var coefficient = GaussianRandomField.ThresholdedField(nodes, High, Low);
            var pressure = DarcySolver.Solve(coefficient, Forcing, options);
            Flat(coefficient).CopyTo(input);
            Flat(pressure).CopyTo(tensor);
        };
    }

    private static Span<double> Flat(double[,] a) => MemoryMarshal.CreateSpan(ref a[0, 0], a.Length);
}
