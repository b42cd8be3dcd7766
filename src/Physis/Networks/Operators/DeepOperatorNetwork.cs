using Physis.Infrastructure;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>Architecture of a DeepONet ("deeponet"): layer widths of the branch
/// net (first = sensors) and trunk net (first = query dimension).</summary>
public sealed record DeepOnetSettings : OperatorArchitecture
{
    public required int[] Branch { get; init; }
    public required int[] Trunk { get; init; }
    /// <summary>Output fields; the last branch and trunk layers hold <c>Outputs</c> groups of equal width.</summary>
    public int Outputs { get; init; } = 1;
    public Activation Activation { get; init; } = Activation.Tanh;

    public int Sensors => Branch[0];
    public int QueryDimension => Trunk[0];

    public override void Validate()
    {
        if (Branch is null || Trunk is null || Branch.Length < 2 || Trunk.Length < 2 || Branch.Concat(Trunk).Any(w => w <= 0))
            throw new ArgumentException("Branch and Trunk need at least an input and an output width, all positive; "
                + $"got [{string.Join(", ", Branch ?? [])}] and [{string.Join(", ", Trunk ?? [])}].");
        if (Outputs <= 0) throw new ArgumentException($"Outputs must be positive; got {Outputs}.");
        if (Branch[^1] != Trunk[^1] || Branch[^1] % Outputs != 0)
            throw new ArgumentException($"The last Branch and Trunk widths must be equal and divisible by the {Outputs} Outputs; "
                + $"got {Branch[^1]} and {Trunk[^1]}.");
    }

    public override nn.Module Create(int seed, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new DeepOperatorNetwork(this, seed, dtype, device);

    public override long EstimateParameters() => MemoryBudget.Saturated(Dense(Branch) + Dense(Trunk) + Outputs);

    /// <summary>
    /// The branch net runs once per function, the trunk net once per grid point (shared by the batch), and their product
    /// has a value per function, point and output; each layer keeps its linear output and its activation.
    /// </summary>
    public override long EstimateActivations(IReadOnlyList<int> grid, int batch)
    {
        double points = grid.Aggregate(1.0, (a, n) => a * n);
        return MemoryBudget.Saturated(2.0 * batch * Branch.Sum(w => (double)w) + 2 * points * Trunk.Sum(w => (double)w)
            + 2 * batch * points * Outputs);
    }

    /// <summary>Weights and biases of the dense layers between consecutive widths.</summary>
    private static double Dense(int[] widths) => widths.Zip(widths.Skip(1), (a, b) => (a + 1.0) * b).Sum();
}

/// <summary>
/// Deep operator network (Lu et al., 2021): G(u)(y)_k = sum_j b_kj(u) t_kj(y) + c_k, with the branch net b reading the
/// input function at fixed sensors and the trunk net t the query point (activated on its last layer as well). For
/// several outputs the last layers split into one group per output. Two data layouts: <see cref="Cartesian"/> evaluates
/// every function at every query point; <see cref="Pointwise"/> pairs each function with its own point (triples).
/// </summary>
public sealed class DeepOperatorNetwork : nn.Module
{
    private readonly Mlp branch, trunk;
    private readonly Parameter bias;

    public DeepOperatorNetwork(DeepOnetSettings settings, int seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(DeepOperatorNetwork))
    {
        settings.Validate();
        Settings = settings;
        branch = new Mlp(settings.Branch[0], settings.Branch[1..^1], settings.Branch[^1], settings.Activation, seed: seed, dtype: dtype,
            device: device);
        trunk = new Mlp(settings.Trunk[0], settings.Trunk[1..^1], settings.Trunk[^1], settings.Activation, seed: seed + 1, dtype: dtype,
            device: device);
        bias = new Parameter(zeros(settings.Outputs, dtype, device));
        RegisterComponents();
    }

    public DeepOnetSettings Settings { get; }
    internal Mlp Branch => branch;
    internal Mlp Trunk => trunk;
    internal Tensor Bias => bias;
    private long Group => Settings.Branch[^1] / Settings.Outputs;

    /// <summary>Functions u [N, sensors] at shared points y [P, d]: outputs [N, P, outputs].</summary>
    public Tensor Cartesian(Tensor u, Tensor y)
    {
        CheckInputs(u, y);
        var b = branch.forward(u).reshape(u.shape[0], Settings.Outputs, Group);
        var t = TrunkFeatures(y).reshape(y.shape[0], Settings.Outputs, Group);
        return einsum("nkp,qkp->nqk", b, t) + bias;
    }

    /// <summary>Triples: function u[i] at its own point y[i], u [B, sensors], y [B, d]; outputs [B, outputs].</summary>
    public Tensor Pointwise(Tensor u, Tensor y)
    {
        CheckInputs(u, y);
        if (u.shape[0] != y.shape[0])
            throw new ArgumentException($"Triples need one point per function; got {u.shape[0]} functions and {y.shape[0]} points.");
        var b = branch.forward(u).reshape(u.shape[0], Settings.Outputs, Group);
        var t = TrunkFeatures(y).reshape(y.shape[0], Settings.Outputs, Group);
        return (b * t).sum(-1) + bias;
    }

    private Tensor TrunkFeatures(Tensor y) => Settings.Activation.Apply(trunk.forward(y));

    private void CheckInputs(Tensor u, Tensor y)
    {
        if (u.dim() != 2 || u.shape[1] != Settings.Sensors)
            throw new ArgumentException($"This DeepONet reads input functions at {Settings.Sensors} sensors; "
                + $"got input of shape [{string.Join(", ", u.shape)}]. Evaluate it on data with {Settings.Sensors} input points.");
        if (y.dim() != 2 || y.shape[1] != Settings.QueryDimension)
            throw new ArgumentException($"Query points must be [P, {Settings.QueryDimension}]; got [{string.Join(", ", y.shape)}].");
    }
}
