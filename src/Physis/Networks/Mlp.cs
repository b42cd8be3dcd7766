using Physis.Differentiation;
using Physis.Differentiation.Taylor;
using Physis.Geometry;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks;

/// <summary>
/// A hard constraint: maps the network input x and raw output y to the final output, for example
/// u = t * y + u0(x) to satisfy an initial condition exactly.
/// </summary>
public delegate Tensor OutputTransform(Tensor input, Tensor rawOutput);

/// <summary>
/// An output transform that can also act on point lines. A network whose <see cref="OutputTransform"/> is a method of
/// such an object keeps its line form (<see cref="ILineFunction"/>) with the transform applied.
/// </summary>
public interface ILineOutputTransform
{
    /// <summary>The transformed output on every line, given the raw output there.</summary>
    Tensor Along(PointLines lines, Tensor rawOutput);
}

/// <summary>
/// Fully connected network: affine layers with a pointwise activation between them, no activation on the output; with
/// an <c>inputBox</c>, the inputs are first mapped from that box (the domain's) to [-1, 1] (<see cref="InputScaling"/>).
/// Its line form evaluates the first layer once at the points and once per direction (only the sampled columns of the
/// first weight for axis directions), which is what keeps the stochastic Taylor estimators cheap when d is large.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>, ILineFunction, ITaylorFunction
{
    private readonly ModuleList<Linear> layers = new();
    private readonly Activation activation;
    private readonly InputScaling? scaling;

    public Mlp(int inputs, IReadOnlyList<int> hidden, int outputs, Activation activation = Activation.Tanh,
               Initializer initializer = Initializer.GlorotNormal, int seed = 0, ScalarType dtype = ScalarType.Float32,
               Device? device = null, OutputTransform? outputTransform = null, BoundingBox? inputBox = null) : base(nameof(Mlp))
    {
        if (inputs <= 0 || outputs <= 0) throw new ArgumentException("An MLP needs at least one input and one output.");
        if (hidden.Any(h => h <= 0)) throw new ArgumentException($"Hidden layer widths must be positive, got [{string.Join(", ", hidden)}].");
        this.activation = activation;
        OutputTransform = outputTransform;
        Widths = [inputs, .. hidden, outputs];
        if (inputBox is not null && inputBox.Dimension != inputs)
            throw new ArgumentException($"The input box has {inputBox.Dimension} coordinates, the network {inputs} inputs.");
        scaling = inputBox is null ? null : new InputScaling(inputBox, dtype, device);

        using var generator = new Generator((ulong)seed);
        for (int i = 0; i + 1 < Widths.Count; i++)
        {
            var layer = nn.Linear(Widths[i], Widths[i + 1], hasBias: true, device: device, dtype: dtype);
            Initialize(layer, initializer, generator);
            layers.Add(layer);
        }
        RegisterComponents();
    }

    /// <summary>Layer widths including input and output: [2, 20, 20, 20, 1].</summary>
    public IReadOnlyList<int> Widths { get; }
    public OutputTransform? OutputTransform { get; set; }
    internal IReadOnlyList<Linear> Layers => [.. layers];
    internal Activation Activation => activation;
    internal InputScaling? Scaling => scaling;

    public override Tensor forward(Tensor x)
    {
        var h = scaling?.forward(x) ?? x;
        for (int i = 0; i < layers.Count - 1; i++) h = activation.Apply(layers[i].forward(h));
        var y = layers[layers.Count - 1].forward(h);
        return OutputTransform is null ? y : OutputTransform(x, y);
    }

    public Tensor Along(PointLines lines)
    {
        var (weight, bias) = FirstLayer();
        var h = lines.Linear(weight, bias);
        for (int i = 1; i < layers.Count; i++) h = layers[i].forward(activation.Apply(h));
        return Transformed(lines, h);
    }

    /// <summary>
    /// The network's second-order Taylor polynomial in the offset on every line, y0 + y1 t + y2 t^2 / 2, from one jet
    /// pushed along the lines (its first derivative the first layer's slope along each direction), then the output
    /// transform on it; nested autograd in the offsets then never differentiates through the network.
    /// </summary>
    public Tensor AlongToSecondOrder(PointLines lines)
    {
        var (weight, bias) = FirstLayer();
        long c = lines.DirectionCount, n = lines.Points.shape[0];
        var slope = lines.Axes is { } axes ? weight.index_select(1, axes).t().unsqueeze(1) : lines.Directions!.matmul(weight.t());
        var jet = Jet.Of(JetLayout.SecondOrderAlongLines, [nn.functional.linear(lines.Points, weight, bias), slope, null]);
        for (int i = 1; i < layers.Count; i++) jet = activation.Apply(jet).Linear(layers[i].weight!, layers[i].bias);
        var t = lines.Offsets.reshape(c, n, 1);
        var polynomial = jet.Components[0]!.unsqueeze(0) + jet.Components[1]! * t;
        if (jet.Components[2] is { } second) polynomial = polynomial + second * (t * t * 0.5);
        return Transformed(lines, polynomial.reshape(c * n, Widths[^1]));
    }

    /// <summary>The first layer with the input scaling folded in: W ((x - c) / h) + b = (W / h) x + (b - (W / h) c).</summary>
    private (Tensor Weight, Tensor Bias) FirstLayer()
    {
        var first = layers[0];
        if (scaling is null) return (first.weight!, first.bias!);
        var weight = first.weight! / scaling.HalfWidth;
        return (weight, first.bias! - weight.matmul(scaling.Center));
    }

    private Tensor Transformed(PointLines lines, Tensor h) => OutputTransform switch
    {
        null => h,
        { Target: ILineOutputTransform transform } => transform.Along(lines, h),
        _ => OutputTransform(lines.Materialize(), h),
    };

    /// <summary>Hard constraints transform the output with the input in ways a jet does not follow.</summary>
    public string? TaylorUnsupported => OutputTransform is null ? null : "its output transform (hard constraints)";

    public Jet Forward(Jet input)
    {
        var h = scaling?.Forward(input) ?? input;
        for (int i = 0; i < layers.Count - 1; i++)
            h = h.Linear(layers[i].weight!, layers[i].bias).Map((z, order) => ActivationDerivatives.Of(activation, z, order));
        return h.Linear(layers[^1].weight!, layers[^1].bias);
    }

    private static void Initialize(Linear layer, Initializer initializer, Generator generator)
    {
        using var noGrad = no_grad();
        using var sample = WeightInitialization.Sample(initializer, layer.weight!.shape[0], layer.weight.shape[1], generator);
        layer.weight.copy_(sample);
        layer.bias!.zero_();
    }
}
