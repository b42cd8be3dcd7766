using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

public class FactorisationTests
{
    private static Tensor RandomComplex(long[] shape, int seed) =>
        view_as_complex(randn([.. shape, 2], dtype: ScalarType.Float64, generator: new Generator((ulong)seed)));

    [Fact]
    public void TuckerAtFullRankReconstructsTheDenseWeightAndContractsLikeIt()
    {
        using var dense = RandomComplex([3, 4, 6, 5], 1);
        using var tucker = TuckerFactorisation.FromDense(dense, [3, 4, 6, 5]);
        using var rebuilt = tucker.Reconstruct();
        Assert.True(allclose(rebuilt, dense, rtol: 0, atol: 1e-12), "full-rank Tucker must reproduce the tensor");

        using var x = RandomComplex([2, 3, 30], 2);
        using var denseWeights = new DenseSpectralWeights(dense);
        using var expected = denseWeights.Contract(x);
        using var actual = tucker.Contract(x);
        Assert.True(allclose(actual, expected, rtol: 0, atol: 1e-11), "contracting from the factors must equal the dense contraction");
    }

    [Fact]
    public void CpContractionEqualsItsReconstructedTensor()
    {
        using var cp = CpFactorisation.Random(3, 4, [4, 3], rank: 5, new Generator(7), ScalarType.Float64, null);
        using var dense = new DenseSpectralWeights(cp.Reconstruct());
        using var x = RandomComplex([2, 3, 12], 3);
        Assert.True(allclose(cp.Contract(x), dense.Contract(x), rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void RankRatioSetsTheParameterReduction()
    {
        var dense = new FourierNeuralOperator(new FnoSettings { Modes = [16], Width = 64 });
        var tucker =
            new FourierNeuralOperator(new TfnoSettings { Modes = [16], Width = 64, Factorisation = SpectralFactorisation.Tucker, RankRatio = 0.1 });
        var cp = new FourierNeuralOperator(new TfnoSettings { Modes = [16], Width = 64, Factorisation = SpectralFactorisation.Cp, RankRatio = 0.1 });
        long Spectral(FourierNeuralOperator f) => f.SpectralLayers.Sum(l => l.Weights.parameters().Sum(p => p.numel()));
        long denseSpectral = Spectral(dense);
        Assert.Equal(4L * 2 * 64 * 64 * 16, denseSpectral);
        foreach (var factorised in new[] { tucker, cp })
        {
            double ratio = Spectral(factorised) / (double)denseSpectral;
            Assert.InRange(ratio, 0.07, 0.13);
        }
        foreach (var f in new[] { dense, tucker, cp }) f.Dispose();
    }
}
