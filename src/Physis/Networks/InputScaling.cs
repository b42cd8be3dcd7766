using Physis.Differentiation.Taylor;
using Physis.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Networks;

/// <summary>
/// Maps each coordinate from the box [Min, Max] to [-1, 1], where tanh-type activations and Glorot initial weights
/// expect their inputs: a domain such as t in [0, 100] or x in [-50, 50] otherwise saturates the first layer. The box
/// is stored as buffers, so checkpoints carry it.
/// </summary>
public sealed class InputScaling : nn.Module<Tensor, Tensor>
{
    private readonly Tensor center, halfWidth;

    public InputScaling(BoundingBox box, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(InputScaling))
    {
        for (int d = 0; d < box.Dimension; d++)
            if (!(box.Max[d] > box.Min[d]) || !double.IsFinite(box.Max[d] - box.Min[d]))
                throw new ArgumentException(
                    $"Input scaling needs a box of positive finite width; coordinate {d} spans [{box.Min[d]}, {box.Max[d]}].");
        center = tensor(box.Min.Zip(box.Max, (a, b) => 0.5 * (a + b)).ToArray(), dtype, device).DetachFromDisposeScope();
        halfWidth = tensor(box.Min.Zip(box.Max, (a, b) => 0.5 * (b - a)).ToArray(), dtype, device).DetachFromDisposeScope();
        register_buffer("center", center);
        register_buffer("half_width", halfWidth);
        Box = box;
    }

    public BoundingBox Box { get; }
    public Tensor Center => center;
    public Tensor HalfWidth => halfWidth;

    public override Tensor forward(Tensor x) => (x - center) / halfWidth;

    /// <summary>The same map on a jet: the value shifted and scaled, its derivatives scaled.</summary>
    public Jet Forward(Jet x) => x.Affine(1 / halfWidth, -center / halfWidth);
}
