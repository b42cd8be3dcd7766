using static TorchSharp.torch;

namespace Physis.Networks.Layers;

/// <summary>ReLU has no second derivative: it suits operator networks (DeepONet) trained on data, not PDE residuals.</summary>
public enum Activation { Tanh, Sin, Gelu, Silu, Relu }

public enum Initializer { GlorotNormal, GlorotUniform }

public static class ActivationFunctions
{
    public static Tensor Apply(this Activation activation, Tensor x) => activation switch
    {
        Activation.Tanh => x.tanh(),
        Activation.Sin => x.sin(),
        Activation.Gelu => nn.functional.gelu(x),
        Activation.Silu => nn.functional.silu(x),
        Activation.Relu => nn.functional.relu(x),
        _ => throw new NotSupportedException(activation.ToString()),
    };

    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "tanh" => Activation.Tanh,
        "sin" => Activation.Sin,
        "gelu" => Activation.Gelu,
        "silu" or "swish" => Activation.Silu,
        "relu" => Activation.Relu,
        _ => throw new ArgumentException($"Unknown activation '{name}'. Known: tanh, sin, gelu, silu, relu."),
    };

    /// <summary>An activation for a PINN: residuals differentiate the network twice or more, and ReLU's second derivative is zero.</summary>
    public static Activation ParseSmooth(string name) => Parse(name) is var activation && activation != Activation.Relu ? activation
        : throw new ArgumentException("relu has no second derivative, so a PDE residual cannot train it: use tanh, sin, gelu or silu.");
}
