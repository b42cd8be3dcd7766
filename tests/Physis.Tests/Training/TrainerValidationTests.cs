using Physis.Networks;
using Physis.Training;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

/// <summary>Settings a trainer cannot use are refused before any training, with a message that says what is wrong.</summary>
public class TrainerValidationTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64 };

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1e-3)]
    [InlineData(0.0)]
    public void AdamRefusesALearningRateThatIsNotAPositiveNumber(double rate)
    {
        using var net = new Mlp(1, [4], 1, seed: 1, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(16, 2), Float64);
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(new AdamPhase(5, rate)));
        Assert.Contains("LearningRate must be positive", error.Message);
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void ANetworkWithAnotherInputCountIsRefusedAtConstruction()
    {
        // A 1D problem in space and time has two inputs (x, t); this network takes one.
        var problem = new Physis.Problems.PdeProblem(new Physis.Geometry.Interval(0, 1).WithTime(0, 1), f => f.Dt("u"),
            [Physis.Problems.Condition.Initial("u", p => 0)]);
        using var net = new Mlp(1, [4], 1, seed: 1, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => new PinnTrainer(problem, net, new Sampling(16, 0, 4), Float64));
        Assert.StartsWith("The network does not take the problem's 2 inputs (x, t)", error.Message);
    }

    [Fact]
    public void ANetworkWithAnotherOutputCountIsRefusedAtConstruction()
    {
        using var net = new Mlp(1, [4], 2, seed: 1, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(16, 2), Float64));
        Assert.Equal("The network has 2 outputs, but the problem has 1 fields (u): give it one output per field.", error.Message);
    }
}
