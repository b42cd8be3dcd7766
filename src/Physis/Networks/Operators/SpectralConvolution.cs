using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// Spectral convolution of the Fourier neural operator (Li et al., 2021) in d dimensions: real FFT over the last d
/// axes of x [B, in, n1, ..., nd], multiplication of the lowest modes by learned complex matrices [in, out], zero for the
/// rest, inverse FFT. Along every axis but the last, the retained modes are the m lowest non-negative and the m lowest
/// negative frequencies (2m in all); along the last axis, which the real FFT halves, the m lowest. The weights act on
/// frequencies, not grid points, so the same layer applies at any resolution that resolves its modes.
/// </summary>
public sealed class SpectralConvolution : nn.Module<Tensor, Tensor>
{
    private readonly SpectralWeights weights;

    public SpectralConvolution(int inChannels, int outChannels, IReadOnlyList<int> modes,
        SpectralFactorisation factorisation = SpectralFactorisation.Dense,
        double rankRatio = 1.0, Generator? generator = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(SpectralConvolution))
    {
        if (inChannels <= 0 || outChannels <= 0) throw new ArgumentException($"Channel counts must be positive; got {inChannels} and {outChannels}.");
        if (modes.Count == 0 || modes.Any(m => m <= 0))
            throw new ArgumentException($"Give a positive number of modes per dimension; got [{string.Join(", ", modes)}].");
        Modes = [.. modes];
        int[] shape = [.. modes.Select((m, j) => j < modes.Count - 1 ? 2 * m : m)];
        using var owned = generator is null ? new Generator(0) : null;
        weights = SpectralWeights.Create(factorisation, inChannels, outChannels, shape, rankRatio, generator ?? owned!, dtype, device);
        RegisterComponents();
    }

    public int[] Modes { get; }
    public int Dimension => Modes.Length;
    public SpectralWeights Weights => weights;

    /// <summary>Throws unless a grid of these sizes resolves the retained modes (2m &lt;= n, and m &lt;= n/2 + 1 on the last axis).</summary>
    public void CheckResolution(IReadOnlyList<long> grid)
    {
        if (grid.Count != Dimension) throw new ArgumentException($"This layer is {Dimension}D; the input grid has {grid.Count} axes.");
        for (int j = 0; j < Dimension; j++)
        {
            long needed = j < Dimension - 1 ? 2L * Modes[j] : 2L * (Modes[j] - 1);
            if (grid[j] < Math.Max(needed, 1))
                throw new ArgumentException($"A grid of {grid[j]} points along axis {j} cannot resolve {Modes[j]} Fourier modes; "
                    + $"use at least {needed} points.");
        }
    }

    public override Tensor forward(Tensor x)
    {
        int d = Dimension;
        long[] grid = [.. x.shape.Skip((int)x.dim() - d)];
        CheckResolution(grid);
        long[] axes = [.. Enumerable.Range((int)x.dim() - d, d).Select(a => (long)a)];
        var spectrum = fft.rfftn(x, dim: axes);
        // Gather the retained modes into [B, in, K1, ..., Kd].
        var kept = spectrum.narrow(-1, 0, Modes[d - 1]);
        for (int j = d - 2; j >= 0; j--)
        {
            long axis = axes[j];
            kept = cat([kept.narrow(axis, 0, Modes[j]), kept.narrow(axis, grid[j] - Modes[j], Modes[j])], axis);
        }
        long batch = x.shape[0];
        var mixed = weights.Contract(kept.reshape(batch, weights.InChannels, weights.ModeCount));
        long[] modeShape = [batch, weights.OutChannels, .. weights.ModeShape.Select(k => (long)k)];
        var output = mixed.reshape(modeShape);
        // Scatter back into the full spectrum, zero elsewhere. The inverse real FFT pads the last axis with zeros up to
        // n/2 + 1 itself; the other axes need their negative frequencies placed at the end.
        for (int j = d - 2; j >= 0; j--)
        {
            long axis = axes[j];
            var positive = output.narrow(axis, 0, Modes[j]);
            var negative = output.narrow(axis, Modes[j], Modes[j]);
            long gap = grid[j] - 2 * Modes[j];
            output = gap > 0 ? cat([positive, ZerosLike(output, axis, gap), negative], axis) : cat([positive, negative], axis);
        }
        return fft.irfftn(output, s: grid, dim: axes);
    }

    private static Tensor ZerosLike(Tensor t, long axis, long size)
    {
        long[] shape = [.. t.shape];
        shape[axis < 0 ? shape.Length + axis : axis] = size;
        return zeros(shape, t.dtype, t.device);
    }
}
