using static TorchSharp.torch;

namespace Physis.Networks;

public enum Activation { Tanh, Sin, Gelu, Silu }

public enum Initializer { GlorotNormal, GlorotUniform }

public static class ActivationFunctions
{
    public static Tensor Apply(this Activation activation, Tensor x) => activation switch
    {
        Activation.Tanh => x.tanh(),
        Activation.Sin => x.sin(),
        Activation.Gelu => nn.functional.gelu(x),
        Activation.Silu => nn.functional.silu(x),
        _ => throw new NotSupportedException(activation.ToString()),
    };

    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "tanh" => Activation.Tanh,
        "sin" => Activation.Sin,
        "gelu" => Activation.Gelu,
        "silu" or "swish" => Activation.Silu,
        _ => throw new ArgumentException($"Unknown activation '{name}'. Known: tanh, sin, gelu, silu."),
    };
}
