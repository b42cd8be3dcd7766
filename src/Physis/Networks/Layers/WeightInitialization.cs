using static TorchSharp.torch;

namespace Physis.Networks.Layers;

/// <summary>Initial weights of dense layers, drawn from a seeded generator in float64 so every precision starts alike.</summary>
public static class WeightInitialization
{
    /// <summary>A [fanOut, fanIn] weight matrix in float64 on the CPU.</summary>
    public static Tensor Sample(Initializer initializer, long fanOut, long fanIn, Generator generator)
    {
        double scale = initializer switch
        {
            // Glorot & Bengio (2010): variance 2 / (fan_in + fan_out).
            Initializer.GlorotNormal => Math.Sqrt(2.0 / (fanIn + fanOut)),
            Initializer.GlorotUniform => Math.Sqrt(6.0 / (fanIn + fanOut)),
            _ => throw new NotSupportedException(initializer.ToString()),
        };
        using var scope = NewDisposeScope();
        var sample = initializer == Initializer.GlorotNormal
            ? randn([fanOut, fanIn], dtype: ScalarType.Float64, generator: generator) * scale
            : (rand([fanOut, fanIn], dtype: ScalarType.Float64, generator: generator) * 2 - 1) * scale;
        return sample.MoveToOuterDisposeScope();
    }

    /// <summary>A trainable parameter holding <paramref name="value"/> converted to the given precision and device.</summary>
    public static TorchSharp.Modules.Parameter Parameter(Tensor value, ScalarType dtype, Device? device, bool trainable = true)
    {
        using var converted = value.to(dtype, device ?? CPU);
        return new TorchSharp.Modules.Parameter(converted.detach().clone(), trainable);
    }
}
