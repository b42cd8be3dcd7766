using System.Runtime.InteropServices;
using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;
using Physis.Solvers.RandomFields;

namespace Physis.Data.Datasets;

/// <summary>
/// The Darcy benchmark of the Fourier neural operator: -div(a grad u) = 1 on the unit square, u = 0 on the boundary,
/// with a = 12 where a Neumann Gaussian random field N(0, (-Laplacian + 9 I)^-2) is non-negative and 3 elsewhere.
/// Steady: the tensor holds one "time", t = 0. Nodes include the boundary, x_i = i / (n - 1).
/// </summary>
public sealed class DarcyDataset : DatasetGenerator
{
    public const int DefaultResolution = 85;
    public const int MinResolution = 85;
    public const int MaxResolution = 1025;
    public const double High = 12, Low = 3, Forcing = 1;
    public const double GrfAlpha = 2, GrfTau = 3;
    /// <summary>Only the sign of the field matters after thresholding; tau^(alpha - 1) is the FNO generator's scale.</summary>
    public const double GrfSigma = 3;
    public const double Tolerance = 1e-10;

    private readonly GaussianRandomField _field;

    public DarcyDataset(int resolution = DefaultResolution)
    {
        if (resolution is < MinResolution or > MaxResolution)
            throw new ArgumentException($"Resolution {resolution} is not supported for darcy: use {MinResolution} to {MaxResolution} nodes per side.");
        _field = new GaussianRandomField(2, resolution, GrfAlpha, GrfTau, GrfSigma, BoundaryKind.Neumann);
        InputShape = [resolution, resolution];
        XCoordinate = _field.Coordinates();
    }

    public override string Name => "darcy";
    public override string Equation => "-div(a grad u) = f on [0, 1]^2, u = 0 on the boundary, a = a_high where a GRF >= 0 else a_low";
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] YCoordinate => XCoordinate;
    public override double[] TimeCoordinate => [0.0];

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["a_high"] = High, ["a_low"] = Low, ["f"] = Forcing, ["grf_alpha"] = GrfAlpha, ["grf_tau"] = GrfTau,
        ["grf_sigma"] = GrfSigma, ["tolerance"] = Tolerance,
    };

    public override SampleSolver CreateSolver()
    {
        var options = new LinearSolverOptions { Tolerance = Tolerance };
        return (random, input, tensor) =>
        {
            var coefficient = GaussianRandomField.ThresholdedField(_field.Sample2D(random), High, Low);
            var pressure = DarcySolver.Solve(coefficient, Forcing, options);
            Flat(coefficient).CopyTo(input);
            Flat(pressure).CopyTo(tensor);
        };
    }

    private static Span<double> Flat(double[,] a) => MemoryMarshal.CreateSpan(ref a[0, 0], a.Length);
}
