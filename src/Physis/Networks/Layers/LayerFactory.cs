using static TorchSharp.torch;

namespace Physis.Networks.Layers;

/// <summary>
/// Creates the dense layers of one network from its seed: weights come from one generator in creation order, the
/// factorisation scales from a second one, so a network with and without weight factorisation has the same W.
/// </summary>
public sealed class LayerFactory : IDisposable
{
    private readonly Generator weights, scales;

    public LayerFactory(int seed, ScalarType dtype = ScalarType.Float32, Device? device = null,
                        Initializer initializer = Initializer.GlorotNormal, WeightFactorizationOptions? factorization = null)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Networks are float32 or float64, not {dtype}.");
        factorization?.Validate();
        weights = new Generator((ulong)seed);
        // A fixed odd offset decorrelates the scale stream from the weight stream of the same seed.
        scales = new Generator(unchecked((ulong)seed + 0x9E3779B97F4A7C15UL));
        DType = dtype;
        Device = device;
        Initializer = initializer;
        Factorization = factorization;
    }

    public ScalarType DType { get; }
    public Device? Device { get; }
    public Initializer Initializer { get; }
    public WeightFactorizationOptions? Factorization { get; }
    /// <summary>The generator for anything else the network draws at construction (embeddings), in creation order.</summary>
    public Generator Generator => weights;

    public Dense Dense(int inputs, int outputs)
    {
        using var w = WeightInitialization.Sample(Initializer, outputs, inputs, weights);
        if (Factorization is null) return new Dense(w, null, DType, Device);
        using var s = randn(outputs, dtype: ScalarType.Float64, generator: scales) * Factorization.StandardDeviation + Factorization.Mean;
        return new Dense(w, s, DType, Device);
    }

    /// <summary>A trainable parameter with the given float64 initial value in this network's precision and device.</summary>
    public TorchSharp.Modules.Parameter Parameter(Tensor value, bool trainable = true) =>
        WeightInitialization.Parameter(value, DType, Device, trainable);

    public void Dispose()
    {
        weights.Dispose();
        scales.Dispose();
    }
}
