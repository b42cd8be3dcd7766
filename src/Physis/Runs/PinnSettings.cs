using System.Text.Json.Serialization;
using Physis.Differentiation;
using Physis.Networks;
using Physis.Training;
using static TorchSharp.torch;

namespace Physis.Runs;

/// <summary>The floating-point type a PINN trains in.</summary>
public enum Precision { Float32, Float64 }

/// <summary>
/// How derivatives with respect to the input are computed: Taylor mode (<see cref="Differentiation.Taylor.TaylorEngine"/>)
/// pushes them forward through the network, autograd nests backward passes; auto takes Taylor mode wherever the network
/// and problem allow it.
/// </summary>
public enum EngineChoice { Auto, Taylor, Autograd }

/// <summary>
/// Time marching: train <see cref="Windows"/> equal time windows one after another, each with its own network and
/// points (the sampling counts are per window), its initial condition the previous window's solution.
/// </summary>
/// <param name="Windows">1 trains all of time at once</param>
/// <param name="HardStart">each window starts exactly from the previous window's state (periodic 1D problems)</param>
/// <param name="WarmStart">each window's network starts from the previous window's trained weights</param>
public sealed record MarchingSettings(int Windows = 1, bool HardStart = false, bool WarmStart = false)
{
    public void Validate()
    {
        // Each window trains its own network and writes its own checkpoint: far more only fill the disk.
        const int MaxWindows = 10_000;
        if (Windows < 1) throw new ArgumentException($"TimeWindows must be at least 1 (1: no time marching), got {Windows}.");
        if (Windows > MaxWindows)
            throw new ArgumentException($"TimeWindows must be at most {MaxWindows}, got {Windows}: "
                + "each window trains its own network and writes its own checkpoint file.");
        if (HardStart && Windows < 2) throw new ArgumentException("HardWindowStart applies to time marching: set TimeWindows to 2 or more.");
        if (WarmStart && Windows < 2) throw new ArgumentException("WarmWindowStart applies to time marching: set TimeWindows to 2 or more.");
    }
}

/// <summary>
/// Everything that configures one PINN run, in parts: the network, the points, the optimizer schedule, the training
/// methods, time marching, precision and seed.
/// </summary>
public sealed record PinnSettings
{
    /// <summary>The plain tanh MLP of DeepXDE's Burgers example, [20, 20, 20].</summary>
    public static readonly NetworkOptions DefaultNetwork = NetworkOptions.Mlp([20, 20, 20]);

    /// <summary>Embeddings, architecture, activation and initializer; a plain MLP is built as <see cref="Mlp"/>.</summary>
    public NetworkOptions Network { get; init; } = DefaultNetwork;
    /// <summary>Build the problem's offered hard constraint into the network and drop the conditions it satisfies.</summary>
    public bool HardConstraints { get; init; }
    public Sampling Sampling { get; init; } = new(2540, 80, 160);
    public OptimizerSchedule Schedule { get; init; } = new();
    /// <summary>
    /// Training methods (loss balancing, causal weighting, adaptive sampling, ...), at most one of each kind; the trainer
    /// applies them in their bindings' order (<see cref="TrainingMethodBinding.Order"/>).
    /// </summary>
    public IReadOnlyList<ITrainingMethodOptions> Methods { get; init; } = [];
    public MarchingSettings Marching { get; init; } = new();
    public Precision Precision { get; init; } = Precision.Float32;
    public int Seed { get; init; }
    /// <summary>
    /// How the loss computes whole Laplacians (<see cref="Problems.Terms.LaplacianOperator"/>): exactly (null) or by
    /// an unbiased estimator such as SDGD or STDE, whose draws are seeded by <see cref="Seed"/>.
    /// </summary>
    public LaplacianEstimatorOptions? Laplacian { get; init; }
    /// <summary>The derivative engine; the one that ran is recorded in run.json.</summary>
    public EngineChoice Engine { get; init; }

    /// <summary>The libtorch type of <see cref="Precision"/>.</summary>
    [JsonIgnore]
    public ScalarType DType => Precision == Precision.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting (by its property name).</summary>
    public void Validate()
    {
        if (Network is null) throw new ArgumentException("Network cannot be null; PinnSettings.DefaultNetwork is a plain MLP.");
        Sampling.Validate();
        Schedule.Validate();
        foreach (var method in Methods) method.Validate();
        if (Methods.GroupBy(TrainingMethodBinding.Of).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Methods holds {twice.Key.Key} {twice.Count()} times; give each method once.");
        Marching.Validate();
        if (Marching.Windows > 1 && HardConstraints)
            throw new ArgumentException("Time marching replaces the initial condition in every window after the first, "
                + "so it cannot be combined with HardConstraints.");
        Laplacian?.Validate();
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"Precision must be float32 or float64, got {Precision}.");
        if (!Enum.IsDefined(Engine)) throw new ArgumentException($"Engine must be auto, taylor or autograd, got {Engine}.");
        if (Engine == EngineChoice.Taylor && Laplacian is not null)
            throw new ArgumentException("Engine taylor computes exact derivatives; the Laplacian estimators run on the autograd engine.");
    }
}
