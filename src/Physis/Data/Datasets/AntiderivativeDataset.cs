using Physis.Solvers.Linear;
using Physis.Solvers.RandomFields;

namespace Physis.Data.Datasets;

/// <summary>
/// The antiderivative operator G(u)(x) = integral from 0 to x of u, the DeepONet benchmark of Lu et al. (2021): inputs u
/// are samples of a zero-mean Gaussian process on [0, 1] with the RBF kernel exp(-(x - x')^2 / (2 l^2)), l = 0.2, drawn on
/// a grid <see cref="Refinement"/> times finer than the sensors by the Cholesky factor of the kernel matrix (with a small
/// diagonal jitter: the RBF matrix is numerically singular) and integrated there by the trapezoid rule; inputs and
/// outputs are both kept at the sensors, evenly spaced with both ends.
/// </summary>
public sealed class AntiderivativeDataset : DatasetGenerator
{
    public const int DefaultSensors = 100;
    public const double DefaultLengthScale = 0.2;
    /// <summary>Fine-grid intervals per sensor interval: the trapezoid error is O((h / 10)^2).</summary>
    public const int Refinement = 10;
    public const double Jitter = 1e-10;

    private readonly Lazy<DenseCholesky> factor;

    public AntiderivativeDataset(int sensors = DefaultSensors, double lengthScale = DefaultLengthScale)
    {
        if (sensors < 2) throw new ArgumentException($"The antiderivative dataset needs at least 2 sensors (--resolution); got {sensors}.");
        if (!(lengthScale > 0)) throw new ArgumentException($"The length scale must be positive; got {lengthScale}.");
        LengthScale = lengthScale;
        InputShape = [sensors];
        XCoordinate = [.. Enumerable.Range(0, sensors).Select(i => i / (double)(sensors - 1))];
        factor = new Lazy<DenseCholesky>(KernelFactor);
    }

    public double LengthScale { get; }
    public override string Name => "antiderivative";
    public override string Equation => "G(u)(x) = integral_0^x u(s) ds on [0, 1], u ~ GP(0, exp(-(x - x')^2 / (2 length_scale^2)))";
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] TimeCoordinate => [0.0];

    public override IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["length_scale"] = LengthScale,
        ["refinement"] = Refinement,
        ["jitter"] = Jitter,
    };

    private int FinePoints => (InputShape[0] - 1) * Refinement + 1;

    private DenseCholesky KernelFactor()
    {
        int n = FinePoints;
        var kernel = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double d = (i - j) / (double)(n - 1);
                kernel[i * n + j] = Math.Exp(-d * d / (2 * LengthScale * LengthScale)) + (i == j ? Jitter : 0);
            }
        return new DenseCholesky(kernel, n);
    }

    public override SampleSolver CreateSolver()
    {
        int fine = FinePoints, sensors = InputShape[0];
        var normal = new double[fine];
        var u = new double[fine];
        double h = 1.0 / (fine - 1);
        return (random, input, tensor) =>
        {
            for (int i = 0; i < fine; i += 2)
            {
                var (a, b) = StandardNormal.Pair(random);
                normal[i] = a;
                if (i + 1 < fine) normal[i + 1] = b;
            }
            factor.Value.MultiplyLower(normal, u);
            double integral = 0;
            for (int i = 0; i < fine; i++)
            {
                if (i > 0) integral += (u[i - 1] + u[i]) * (h / 2);
                if (i % Refinement == 0) (input[i / Refinement], tensor[i / Refinement]) = (u[i], integral);
            }
        };
    }

    /// <summary>An in-memory dataset of <paramref name="samples"/> functions, sample i drawn as <c>physis generate</c> draws it.</summary>
    public static OperatorDataset Generate(int samples, int sensors = DefaultSensors, double lengthScale = DefaultLengthScale, int seed = 0)
    {
        if (samples <= 0) throw new ArgumentException($"Need at least one sample; got {samples}.");
        var dataset = new AntiderivativeDataset(sensors, lengthScale);
        var solve = dataset.CreateSolver();
        var inputs = new double[samples * sensors];
        var targets = new double[samples * sensors];
        for (int s = 0; s < samples; s++)
            solve(SampleSeed.Random(seed, s), inputs.AsSpan(s * sensors, sensors), targets.AsSpan(s * sensors, sensors));
        return new OperatorDataset(inputs, targets, samples, [dataset.XCoordinate]);
    }
}
