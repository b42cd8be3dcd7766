using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// Tucker factorisation of the spectral weight: R[i, o, k1, ..., kd] = G ×1 U_in ×2 U_out ×3 U_1 ... ×(d+2) U_d with a
/// complex core G [r_in, r_out, r_1, ..., r_d] and factor matrices U [n, r]. The contraction with the input never
/// forms R: the input is projected onto U_in, multiplied by the mode factors, contracted with the core and expanded by U_out.
/// </summary>
public sealed class TuckerFactorisation : SpectralWeights
{
    private readonly Parameter core;
    private readonly Parameter inFactor, outFactor;
    private readonly ParameterList modeFactors = new();

    private TuckerFactorisation(Tensor core, IReadOnlyList<Tensor> factors)
        : base(nameof(TuckerFactorisation), (int)factors[0].shape[0], (int)factors[1].shape[0], [.. factors.Skip(2).Select(f => (int)f.shape[0])])
    {
        this.core = ComplexParameter(core);
        inFactor = ComplexParameter(factors[0]);
        outFactor = ComplexParameter(factors[1]);
        foreach (var f in factors.Skip(2)) modeFactors.Add(ComplexParameter(f));
        Ranks = [.. core.shape.Select(r => (int)r)];
        RegisterComponents();
    }

    /// <summary>Core sizes [r_in, r_out, r_1, ..., r_d].</summary>
    public int[] Ranks { get; }

    /// <summary>
    /// Truncated higher-order SVD of a dense complex tensor [in, out, K1, ..., Kd]: each factor holds the leading left
    /// singular vectors of the tensor unfolded along its axis, and the core is the tensor projected onto them. At full
    /// ranks the reconstruction is exact.
    /// </summary>
    public static TuckerFactorisation FromDense(Tensor dense, IReadOnlyList<int> ranks)
    {
        if (ranks.Count != dense.dim())
            throw new ArgumentException($"A Tucker factorisation of a rank-{dense.dim()} tensor needs {dense.dim()} ranks; got {ranks.Count}.");
        using var noGrad = no_grad();
        var factors = new List<Tensor>();
        var projected = dense;
        for (int axis = 0; axis < ranks.Count; axis++)
        {
            long size = dense.shape[axis];
            if (ranks[axis] < 1 || ranks[axis] > size)
                throw new ArgumentException($"Tucker rank {ranks[axis]} for axis {axis} must lie in [1, {size}].");
            using var scope = NewDisposeScope();
            var (u, _, _) = linalg.svd(dense.movedim([axis], [0]).reshape(size, -1), fullMatrices: false);
            var factor = u.narrow(1, 0, ranks[axis]).contiguous();
            var next = ModeProduct(projected, axis, factor.conj().t());
            factors.Add(factor.MoveToOuterDisposeScope());
            if (axis > 0) projected.Dispose();
            projected = next.MoveToOuterDisposeScope();
        }
        try { return new TuckerFactorisation(projected, factors); }
        finally
        {
            projected.Dispose();
            foreach (var f in factors) f.Dispose();
        }
    }

    /// <summary>
    /// Ranks keeping the same fraction f of every axis (at least 1), with f chosen so the factorised tensor has about
    /// <paramref name="ratio"/> times the dense tensor's parameters.
    /// </summary>
    public static int[] RanksFor(IReadOnlyList<int> shape, double ratio)
    {
        if (!(ratio > 0 && ratio <= 1)) throw new ArgumentException($"The rank ratio must lie in (0, 1]; got {ratio}.");
        double dense = shape.Aggregate(1.0, (a, b) => a * b);
        int[] Ranks(double f) => [.. shape.Select(n => Math.Clamp((int)Math.Round(f * n), 1, n))];
        double Count(int[] r) => r.Aggregate(1.0, (a, b) => a * b) + r.Zip(shape, (a, b) => (double)a * b).Sum();
        double low = 0, high = 1;
        for (int i = 0; i < 60; i++)
        {
            double middle = (low + high) / 2;
            if (Count(Ranks(middle)) > ratio * dense) high = middle; else low = middle;
        }
        return ratio >= 1 ? [.. shape] : Ranks(Math.Max(low, 1e-9));
    }

    public override Tensor Contract(Tensor x)
    {
        long batch = x.shape[0];
        var factors = modeFactors.Select(p => AsComplex(p)).ToList();
        var modes = ModeMatrix(factors, shareRank: false);                                     // [K, R]
        var projected = x.permute(0, 2, 1).matmul(AsComplex(inFactor));                       // [B, K, r_in]
        var expanded = (projected.unsqueeze(3) * modes.unsqueeze(0).unsqueeze(2))             // [B, K, r_in, R]
            .reshape(batch, ModeCount, -1);
        var g = AsComplex(core);
        int d = ModeShape.Length;
        // Core as a matrix [(r_in, r_1, ..., r_d), r_out] so one matrix product contracts every rank axis.
        var coreMatrix = g.movedim([1], [d + 1]).reshape(-1, Ranks[1]);
        return expanded.matmul(coreMatrix).matmul(AsComplex(outFactor).t()).permute(0, 2, 1);
    }

    public override Tensor Reconstruct()
    {
        var result = AsComplex(core);
        Tensor[] factors = [AsComplex(inFactor), AsComplex(outFactor), .. modeFactors.Select(p => AsComplex(p))];
        for (int axis = 0; axis < factors.Length; axis++) result = ModeProduct(result, axis, factors[axis]);
        return result;
    }

    /// <summary>Multiplies axis <paramref name="axis"/> of <paramref name="t"/> by <paramref name="matrix"/> [new, old].</summary>
    private static Tensor ModeProduct(Tensor t, int axis, Tensor matrix)
    {
        var moved = t.movedim([axis], [0]);
        long[] shape = [.. moved.shape];
        var product = matrix.matmul(moved.reshape(shape[0], -1));
        shape[0] = matrix.shape[0];
        return product.reshape(shape).movedim([0], [axis]);
    }
}

/// <summary>
/// CP factorisation of the spectral weight: R[i, o, k1, ..., kd] = sum_r A_in[i, r] A_out[o, r] prod_j A_j[kj, r], contracted
/// from the factors: project the input onto A_in, scale each rank component by the mode factors, expand by A_out.
/// </summary>
public sealed class CpFactorisation : SpectralWeights
{
    private readonly Parameter inFactor, outFactor;
    private readonly ParameterList modeFactors = new();

    private CpFactorisation(IReadOnlyList<Tensor> factors)
        : base(nameof(CpFactorisation), (int)factors[0].shape[0], (int)factors[1].shape[0], [.. factors.Skip(2).Select(f => (int)f.shape[0])])
    {
        inFactor = ComplexParameter(factors[0]);
        outFactor = ComplexParameter(factors[1]);
        foreach (var f in factors.Skip(2)) modeFactors.Add(ComplexParameter(f));
        Rank = (int)factors[0].shape[1];
        RegisterComponents();
    }

    public int Rank { get; }

    /// <summary>Rank giving about <paramref name="ratio"/> times the dense parameter count.</summary>
    public static int RankFor(IReadOnlyList<int> shape, double ratio)
    {
        if (!(ratio > 0 && ratio <= 1)) throw new ArgumentException($"The rank ratio must lie in (0, 1]; got {ratio}.");
        double dense = shape.Aggregate(1.0, (a, b) => a * b);
        return Math.Max(1, (int)Math.Round(ratio * dense / shape.Sum()));
    }

    /// <summary>
    /// Random factors whose reconstructed entries have about the magnitude of the dense FNO initialisation: with d + 2
    /// factors of standard deviation s, an entry (a sum of r products) has standard deviation sqrt(r) s^(d+2).
    /// </summary>
    public static CpFactorisation Random(int inChannels, int outChannels, int[] modeShape, int rank, TorchSharp.torch.Generator generator,
        ScalarType dtype, Device? device)
    {
        int[] sizes = [inChannels, outChannels, .. modeShape];
        double target = 1.0 / (inChannels * outChannels) / Math.Sqrt(3);
        double s = Math.Pow(target / Math.Sqrt(rank), 1.0 / sizes.Length);
        var factors = new List<Tensor>();
        foreach (int n in sizes)
        {
            using var scope = NewDisposeScope();
            var real = randn([n, rank, 2], dtype: ScalarType.Float64, generator: generator) * (s / Math.Sqrt(2));
            factors.Add(view_as_complex(real.to(dtype, device ?? CPU)).MoveToOuterDisposeScope());
        }
        try { return new CpFactorisation(factors); }
        finally { foreach (var f in factors) f.Dispose(); }
    }

    public override Tensor Contract(Tensor x)
    {
        var modes = ModeMatrix([.. modeFactors.Select(p => AsComplex(p))], shareRank: true);   // [K, r]
        var projected = x.permute(0, 2, 1).matmul(AsComplex(inFactor));                        // [B, K, r]
        return (projected * modes).matmul(AsComplex(outFactor).t()).permute(0, 2, 1);
    }

    public override Tensor Reconstruct()
    {
        var modes = ModeMatrix([.. modeFactors.Select(p => AsComplex(p))], shareRank: true);   // [K, r]
        var a = AsComplex(inFactor);
        var b = AsComplex(outFactor);
        var dense = (a.unsqueeze(1).unsqueeze(2) * b.unsqueeze(0).unsqueeze(2) * modes.unsqueeze(0).unsqueeze(0)).sum(-1);
        return dense.reshape(DenseShape);
    }
}
