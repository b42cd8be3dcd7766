using Physis.Differentiation.Taylor;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Layers;

/// <summary>
/// An affine layer y = x W^T + b. With weight factorisation it stores W = diag(exp(s)) V as the log-scales s (one per
/// output unit) and the direction matrix V; otherwise it stores W itself.
/// </summary>
public sealed class Dense : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? weight, logScale, direction;
    private readonly Parameter bias;

    /// <param name="weight">the initial W [outputs, inputs], float64</param>
    /// <param name="logScale">the log-scales s [outputs] for a factorised layer, or null</param>
    internal Dense(Tensor weight, Tensor? logScale, ScalarType dtype, Device? device) : base(nameof(Dense))
    {
        Outputs = (int)weight.shape[0];
        Inputs = (int)weight.shape[1];
        using var zero = zeros(Outputs, dtype: ScalarType.Float64);
        bias = WeightInitialization.Parameter(zero, dtype, device);
        if (logScale is null)
        {
            this.weight = WeightInitialization.Parameter(weight, dtype, device);
            register_parameter("weight", this.weight);
        }
        else
        {
            using var v = weight / logScale.exp().unsqueeze(1);
            this.logScale = WeightInitialization.Parameter(logScale, dtype, device);
            direction = WeightInitialization.Parameter(v, dtype, device);
            register_parameter("log_scale", this.logScale);
            register_parameter("direction", direction);
        }
        register_parameter("bias", bias);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public bool IsFactorized => weight is null;

    /// <summary>The effective weight W [outputs, inputs] as a new tensor (the
    /// caller disposes it): a view of the stored one, or diag(exp(s)) V.</summary>
    public Tensor Weight() => weight?.alias() ?? logScale!.exp().unsqueeze(1) * direction!;

    public Tensor Bias => bias;

    /// <summary>Sets W and b (float64 or any precision); a factorised layer keeps its scales s and takes V = W / exp(s).</summary>
    public void Assign(Tensor newWeight, Tensor newBias)
    {
        if (!newWeight.shape.SequenceEqual(new long[] { Outputs, Inputs }) || !newBias.shape.SequenceEqual(new long[] { Outputs }))
            throw new ArgumentException($"A {Outputs} x {Inputs} dense layer needs W [{Outputs}, {Inputs}] and b [{Outputs}], "
                + $"got [{string.Join(", ", newWeight.shape)}] and [{string.Join(", ", newBias.shape)}].");
        using var noGrad = no_grad();
        bias.copy_(newBias);
        if (weight is not null) weight.copy_(newWeight);
        else
        {
            using var scale = logScale!.exp().unsqueeze(1);
            using var v = newWeight.to(direction!.dtype) / scale;
            direction.copy_(v);
        }
    }

    /// <summary>The layer on every component of a jet.</summary>
    public Jet Forward(Jet x) => x.Linear(Weight(), bias);

    public override Tensor forward(Tensor x)
    {
        if (weight is not null) return nn.functional.linear(x, weight, bias);
        using var w = Weight();
        return nn.functional.linear(x, w, bias);
    }
}
