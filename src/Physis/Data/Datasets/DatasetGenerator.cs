namespace Physis.Data.Datasets;

/// <summary>
/// Solves one sample: draws the input field from <paramref name="random"/> (or uses a fixed one), writes it to
/// <paramref name="input"/> (row-major, the shape of <see cref="DatasetGenerator.InputShape"/>) and the solution at
/// every output time to <paramref name="tensor"/> ([nt, ...] row-major).
/// </summary>
public delegate void SampleSolver(Random random, Span<double> input, Span<double> tensor);

/// <summary>
/// A family of PDE solves that makes an operator-learning dataset: an input field per sample (initial condition or
/// coefficient) and the solution at fixed output times, on fixed grids. One instance describes the dataset;
/// <see cref="CreateSolver"/> makes the per-thread solver with its own work arrays.
/// </summary>
public abstract class DatasetGenerator
{
    /// <summary>
    /// Version of the sample algorithms, stored in every file: bump it whenever a change alters the numbers, so that
    /// shards of different versions are never merged and a resumed run never mixes them.
    /// </summary>
    public const string Version = "physis-datasets/1";

    /// <summary>Dataset name as given on the command line (burgers, darcy, ...).</summary>
    public abstract string Name { get; }

    /// <summary>The equation in words, stored as the pde attribute.</summary>
    public abstract string Equation { get; }

    /// <summary>Spatial shape of one input field: [nx] or [nx, ny].</summary>
    public abstract int[] InputShape { get; }

    public abstract double[] XCoordinate { get; }

    /// <summary>y grid of 2D datasets, null in 1D.</summary>
    public virtual double[]? YCoordinate => null;

    /// <summary>The output times: the tensor holds the solution at each.</summary>
    public abstract double[] TimeCoordinate { get; }

    /// <summary>Numeric parameters of the PDE, the input distribution and the discretisation, stored as attributes.</summary>
    public abstract IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>True where every sample is the same fixed trajectory (a PINN reference), so one sample is all there is.</summary>
    public virtual bool IsSingleTrajectory => false;

    public abstract SampleSolver CreateSolver();

    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);

    public int TensorLength => TimeCoordinate.Length * InputLength;

    /// <summary>Most output times a dataset can have: every sample stores the solution at each, so one sample stays within an array.</summary>
    public const int MaxTimes = 10_000;

    /// <summary>Output times k T / count for k = 1 .. count (the initial state is the input already).</summary>
    protected static double[] TimesAfterStart(double final, int count)
    {
        CheckTimes(count);
        var t = new double[count];
        for (int k = 0; k < count; k++) t[k] = final * (k + 1) / count;
        return t;
    }

    /// <summary>Output times k T / (count - 1) for k = 0 .. count - 1, the initial state included.</summary>
    protected static double[] TimesFromStart(double final, int count)
    {
        CheckTimes(count);
        var t = new double[count];
        for (int k = 0; k < count; k++) t[k] = count == 1 ? final : final * k / (count - 1);
        return t;
    }

    // Checked before the time grid is allocated: --times 2000000000 would take 16 GB for the grid alone.
    private static void CheckTimes(int count)
    {
        if (count > MaxTimes)
            throw new ArgumentException($"--times {count} is more than the {MaxTimes} output times a dataset can have: "
                + "every sample stores the solution at each of them.");
    }
}

/// <summary>Per-sample random seeds: sample i's generator depends only on the run seed and i, never on who computes it.</summary>
public static class SampleSeed
{
    /// <summary>SplitMix64 mixing of the run seed, then of the index: neighbouring indices give unrelated streams.</summary>
    public static int For(long runSeed, long index) => (int)(Mix(Mix((ulong)runSeed) + (ulong)index) & int.MaxValue);

    private static ulong Mix(ulong z)
    {
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public static Random Random(long runSeed, long index) => new(For(runSeed, index));
}
