using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>How the spectral weight tensor of a Fourier layer is stored.</summary>
public enum SpectralFactorisation
{
    /// <summary>One complex [in, out] matrix per retained mode (the original FNO).</summary>
    Dense,
    /// <summary>Tucker decomposition: a small core and one factor matrix per tensor axis (TFNO).</summary>
    Tucker,
    /// <summary>CP (canonical polyadic) decomposition: a sum of rank-one tensors.</summary>
    Cp,
}

/// <summary>
/// The complex multipliers R[i, o, k] of a spectral convolution over the retained modes k (flattened from
/// [K1, ..., Kd]). Complex values are stored as real parameters with a trailing axis of 2 (real, imaginary),
/// which every optimizer and checkpoint handles as ordinary floats.
/// </summary>
public abstract class SpectralWeights : nn.Module
{
    protected SpectralWeights(string name, int inChannels, int outChannels, int[] modeShape) : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        ModeShape = modeShape;
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    /// <summary>Retained modes per axis: [K1, ..., Kd].</summary>
    public int[] ModeShape { get; }
    public int ModeCount => ModeShape.Aggregate(1, (a, b) => a * b);
    /// <summary>Real parameters a dense weight of this shape needs (two per complex entry).</summary>
    public long DenseParameterCount => 2L * InChannels * OutChannels * ModeCount;
    /// <summary>Shape of the dense tensor: [in, out, K1, ..., Kd].</summary>
    public long[] DenseShape => [InChannels, OutChannels, .. ModeShape.Select(k => (long)k)];

    /// <summary>y[b, o, k] = sum_i x[b, i, k] R[i, o, k] for complex x [B, in, K]; returns [B, out, K].</summary>
    public abstract Tensor Contract(Tensor x);

    /// <summary>The dense complex tensor [in, out, K1, ..., Kd] these weights represent.</summary>
    public abstract Tensor Reconstruct();

    public static SpectralWeights Create(SpectralFactorisation factorisation, int inChannels, int outChannels, int[] modeShape,
        double rankRatio, Generator generator, ScalarType dtype, Device? device)
    {
        int[] shape = [inChannels, outChannels, .. modeShape];
        if (factorisation == SpectralFactorisation.Cp)
            return CpFactorisation.Random(inChannels, outChannels, modeShape, CpFactorisation.RankFor(shape, rankRatio), generator, dtype, device);
        using var dense = InitialWeight(inChannels, outChannels, modeShape, generator, dtype, device);
        return factorisation switch
        {
            SpectralFactorisation.Dense => new DenseSpectralWeights(dense),
            SpectralFactorisation.Tucker => TuckerFactorisation.FromDense(dense, TuckerFactorisation.RanksFor(shape, rankRatio)),
            _ => throw new ArgumentException($"Unknown factorisation {factorisation}."),
        };
    }

    /// <summary>The FNO initialisation: real and imaginary parts uniform on [0, 1 / (in out)).</summary>
    internal static Tensor InitialWeight(int inChannels, int outChannels, int[] modeShape, Generator generator, ScalarType dtype, Device? device)
    {
        using var scope = NewDisposeScope();
        long[] shape = [inChannels, outChannels, .. modeShape.Select(k => (long)k), 2];
        var sample = rand(shape, dtype: ScalarType.Float64, generator: generator);
        return view_as_complex(sample.mul(1.0 / (inChannels * outChannels)).to(dtype, device ?? CPU)).MoveToOuterDisposeScope();
    }

    /// <summary>A trainable complex tensor, stored as real [..., 2]. Call it outside any dispose scope, which would free the parameter.</summary>
    protected static Parameter ComplexParameter(Tensor complexValues)
    {
        Tensor real;
        using (var scope = NewDisposeScope())
            real = view_as_real(complexValues.detach()).contiguous().clone().DetachFromDisposeScope();
        return new Parameter(real);
    }

    protected static Tensor AsComplex(Parameter p) => view_as_complex(p);

    /// <summary>
    /// Row k = (k1, ..., kd) of the Khatri-Rao-style product of per-axis factors [Kj, Rj]: entry (k, (r1, ..., rd)) is
    /// prod_j U_j[kj, rj] when <paramref name="shareRank"/> is false (Tucker), or prod_j U_j[kj, r] with one shared r (CP).
    /// </summary>
    protected static Tensor ModeMatrix(IReadOnlyList<Tensor> factors, bool shareRank)
    {
        var result = factors[0];
        for (int j = 1; j < factors.Count; j++)
        {
            var next = factors[j];
            result = shareRank
                ? (result.unsqueeze(1) * next.unsqueeze(0)).reshape(-1, next.shape[1])
                : (result.unsqueeze(1).unsqueeze(3) * next.unsqueeze(0).unsqueeze(2))
                    .reshape(result.shape[0] * next.shape[0], result.shape[1] * next.shape[1]);
        }
        return result;
    }
}

/// <summary>One complex [in, out] matrix per mode, stored mode-major so the contraction is a single batched matrix product.</summary>
public sealed class DenseSpectralWeights : SpectralWeights
{
    // [K, in, out, 2]
    private readonly Parameter weight;

    public DenseSpectralWeights(Tensor dense) : base(nameof(DenseSpectralWeights), (int)dense.shape[0], (int)dense.shape[1],
        [.. dense.shape.Skip(2).Select(k => (int)k)])
    {
        Tensor modeMajor;
        using (var scope = NewDisposeScope())
            modeMajor = dense.reshape(InChannels, OutChannels, ModeCount).permute(2, 0, 1).DetachFromDisposeScope();
        using (modeMajor) weight = ComplexParameter(modeMajor);
        RegisterComponents();
    }

    public override Tensor Contract(Tensor x) =>
        x.permute(2, 0, 1).bmm(AsComplex(weight)).permute(1, 2, 0);

    public override Tensor Reconstruct() =>
        AsComplex(weight).permute(1, 2, 0).reshape(DenseShape);
}
