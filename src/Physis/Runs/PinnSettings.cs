using System.Text.Json.Serialization;
using Physis.Geometry;
using Physis.Networks;
using Physis.Training;
using Physis.Networks.Layers;

namespace Physis.Runs;

/// <summary>The floating-point type a PINN trains in.</summary>
public enum Precision { Float32, Float64 }

/// <summary>The optimizer of the first training phase.</summary>
public enum FirstOptimizer
{
    Adam,
    /// <summary>One Adam scale per loss term.</summary>
    [JsonStringEnumMemberName("multiadam")] MultiAdam,
}

/// <summary>Everything that configures one PINN run: network, sampling, optimizer schedule, precision and seed.</summary>
public sealed record PinnSettings
{
    public int[] Hidden { get; init; } = [20, 20, 20];
    /// <summary>Embeddings and architecture of a <see cref="PinnNetwork"/>; null means a plain MLP of <see cref="Hidden"/>.</summary>
    public NetworkOptions? Network { get; init; }
    public Activation Activation { get; init; } = Activation.Tanh;
    /// <summary>Build the problem's offered hard constraint into the network and drop the conditions it satisfies.</summary>
    public bool HardConstraints { get; init; }
    public Initializer Initializer { get; init; } = Initializer.GlorotNormal;
    public int DomainPoints { get; init; } = 2540;
    public int BoundaryPoints { get; init; } = 80;
    public int InitialPoints { get; init; } = 160;
    public SamplingMethod SamplingMethod { get; init; } = SamplingMethod.Hammersley;
    public int AdamIterations { get; init; } = 15_000;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>
    /// The first this many of the Adam iterations keep the problem's trainable parameters (unknown coefficients,
    /// eigenvalues) at their initial values, so the network first fits the equation they give.
    /// </summary>
    public int ParameterHoldIterations { get; init; }
    public int LbfgsIterations { get; init; } = 15_000;
    public int LbfgsHistory { get; init; } = 100;
    public FirstOptimizer FirstOptimizer { get; init; } = FirstOptimizer.Adam;
    /// <summary>Energy natural-gradient iterations after L-BFGS (0: none); for small networks.</summary>
    public int NaturalGradientIterations { get; init; }
    /// <summary>
    /// Training methods (loss balancing, causal weighting, adaptive sampling, ...), at most one of each kind; the trainer
    /// applies them in their bindings' order (<see cref="TrainingMethodBinding.Order"/>).
    /// </summary>
    public IReadOnlyList<ITrainingMethodOptions> Methods { get; init; } = [];
    /// <summary>
    /// Time marching: train this many equal time windows one after another, each with its own network and its own
    /// points (the counts above are per window), its initial condition the previous window's solution; 1 trains all of time at once.
    /// </summary>
    public int TimeWindows { get; init; } = 1;
    /// <summary>
    /// Time marching: each window after the first starts from the previous window's state exactly (an output transform
    /// on its Fourier interpolant) rather than through an initial-condition loss term; periodic 1D problems only.
    /// </summary>
    public bool HardWindowStart { get; init; }
    /// <summary>
    /// Time marching: each window's network starts from the previous window's trained weights instead of a fresh initialisation.
    /// </summary>
    public bool WarmWindowStart { get; init; }
    public Precision Precision { get; init; } = Precision.Float32;


    /// <summary>The libtorch type of <see cref="Precision"/>.</summary>
    [JsonIgnore]
    public TorchSharp.torch.ScalarType DType => Precision == Precision.Float64 ? TorchSharp.torch.ScalarType.Float64 : TorchSharp.torch.ScalarType.Float32;
    public int Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting (by its property name).</summary>
    public void Validate()
    {
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0)) throw new ArgumentException($"Hidden layer widths must be positive, got [{string.Join(", ", Hidden)}].");
        if (DomainPoints <= 0) throw new ArgumentException($"DomainPoints must be positive, got {DomainPoints}.");
        if (BoundaryPoints < 0) throw new ArgumentException($"BoundaryPoints cannot be negative, got {BoundaryPoints}.");
        if (InitialPoints < 0) throw new ArgumentException($"InitialPoints cannot be negative, got {InitialPoints}.");
        if (AdamIterations < 0) throw new ArgumentException($"AdamIterations cannot be negative, got {AdamIterations}.");
        if (ParameterHoldIterations < 0 || ParameterHoldIterations > AdamIterations)
            throw new ArgumentException($"ParameterHoldIterations counts the first Adam iterations, so it must lie in [0, {AdamIterations}] (AdamIterations), got {ParameterHoldIterations}.");
        if (LbfgsIterations < 0) throw new ArgumentException($"LbfgsIterations cannot be negative, got {LbfgsIterations}.");
        if (!Enum.IsDefined(FirstOptimizer)) throw new ArgumentException($"FirstOptimizer must be adam or multiadam, got {FirstOptimizer}.");
        if (NaturalGradientIterations < 0) throw new ArgumentException($"NaturalGradientIterations cannot be negative, got {NaturalGradientIterations}.");
        foreach (var method in Methods) method.Validate();
        if (Methods.GroupBy(TrainingMethodBinding.Of).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Methods holds {twice.Key.Key} {twice.Count()} times; give each method once.");
        if (TimeWindows < 1) throw new ArgumentException($"TimeWindows must be at least 1 (1: no time marching), got {TimeWindows}.");
        if (HardWindowStart && TimeWindows < 2) throw new ArgumentException("HardWindowStart applies to time marching: set TimeWindows to 2 or more.");
        if (WarmWindowStart && TimeWindows < 2) throw new ArgumentException("WarmWindowStart applies to time marching: set TimeWindows to 2 or more.");
        if (TimeWindows > 1 && HardConstraints) throw new ArgumentException("Time marching replaces the initial condition in every window after the first, so it cannot be combined with HardConstraints.");
        if (AdamIterations + LbfgsIterations + NaturalGradientIterations == 0) throw new ArgumentException("Nothing to train: AdamIterations and LbfgsIterations are both 0.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"LearningRate must be a positive number, got {LearningRate}.");
        if (LbfgsHistory <= 0) throw new ArgumentException($"LbfgsHistory must be positive, got {LbfgsHistory}.");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"Precision must be float32 or float64, got {Precision}.");
    }
}
