using System.Diagnostics;
using Physis.Evaluation;
using Physis.Geometry;
using Physis.Infrastructure;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Constraints;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Physis.Tests.Networks;

public class NetworkTrainingTests(ITestOutputHelper output)
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 1 };

    [Theory]
    [InlineData(ScalarType.Float64, 1e-2)]
    [InlineData(ScalarType.Float32, 2e-2)]
    public void PeriodicEmbeddingAndHardInitialConditionSolveTheHeatEquationWithoutConditionLosses(ScalarType dtype, double tolerance)
    {
        // u_t = u_xx / pi^2 on x in [-1, 1] (periodic), t in [0, 1], u(x, 0) = sin(pi x): exact u = exp(-t) sin(pi x).
        // Periodicity comes from the embedding and the initial condition from the output transform, so the only loss
        // term is the PDE residual.
        var geometry = new Interval(-1, 1).WithTime(0, 1);
        var problem = new PdeProblem(geometry, f => f.Dt("u") - f.Dxx("u") / (Math.PI * Math.PI), []);
        var options = new NetworkOptions
        {
            Embeddings = [PeriodicEmbeddingOptions.Of(coordinate: 0, period: 2.0)],
            Architecture = new MlpArchitecture([16, 16]),
        };
        using var net = new PinnNetwork(2, 1, options, seed: 1, dtype: dtype,
            outputTransform: HardConstraints.Initial(timeCoordinate: 1, t0: 0, x => (x[.., 0..1] * Math.PI).sin()));
        using var trainer = new PinnTrainer(problem, net, new Sampling(Domain: 128), Float64 with { DType = dtype });
        Assert.Equal(["pde"], trainer.LossTermNames);

        var clock = Stopwatch.StartNew();
        trainer.Train([new AdamPhase(100, 1e-2), new LbfgsPhase(40)]);
        double seconds = clock.Elapsed.TotalSeconds;

        int nx = 41, nt = 11;
        var points = new double[nx * nt, 2];
        var exact = new double[nx * nt, 1];
        for (int i = 0; i < nt; i++)
            for (int j = 0; j < nx; j++)
            {
                double x = -1 + 2.0 * j / (nx - 1), t = i / (nt - 1.0);
                (points[i * nx + j, 0], points[i * nx + j, 1]) = (x, t);
                exact[i * nx + j, 0] = Math.Exp(-t) * Math.Sin(Math.PI * x);
            }
        double error = Metrics.RelativeL2(trainer.Predict(points), exact);
        output.WriteLine($"heat equation ({dtype}): relative L2 {error:E2} after {trainer.Step} iterations in {seconds:F1} s");
        Assert.True(error < tolerance, $"relative L2 error {error:E2} should be below {tolerance:E0}");
    }

    public static TheoryData<string> PoissonNetworks => ["piratenet-factorized", "modified-mlp", "residual", "gaussian"];

    [Theory]
    [MemberData(nameof(PoissonNetworks))]
    public void EveryArchitectureWithHardDirichletSolvesPoisson(string kind)
    {
        // -u'' = pi^2 sin(pi x) on [-1, 1], u(+-1) = 0 built in: exact u = sin(pi x).
        var problem = new PdeProblem(new Interval(-1, 1), f => -f.Dxx("u") - Math.PI * Math.PI * Functions.Sin(Math.PI * f.X), []);
        var options = kind switch
        {
            "piratenet-factorized" => new NetworkOptions
            {
                Embeddings = [new FourierFeatureOptions(8, 0.5)],
                Architecture = new PirateNetArchitecture(16, 1),
                WeightFactorization = new(0.5, 0.1),
            },
            "modified-mlp" => new NetworkOptions { Architecture = new ModifiedMlpArchitecture(16, 2) },
            "residual" => new NetworkOptions { Architecture = new ResidualArchitecture(16, 2) },
            "gaussian" => new NetworkOptions
            {
                Embeddings = [new GaussianFeatureOptions(12, 4) { InitialWidth = 0.3 }],
                Architecture = new MlpArchitecture([16]),
            },
            _ => throw new ArgumentException(kind),
        };
        using var net = new PinnNetwork(1, 1, options, seed: 2, dtype: ScalarType.Float64,
            outputTransform: HardConstraints.Dirichlet(DistanceFunction.For(new Interval(-1, 1))));
        using var trainer = new PinnTrainer(problem, net, new Sampling(Domain: 64), Float64);
        var clock = Stopwatch.StartNew();
        trainer.Train([new AdamPhase(60, 1e-2), new LbfgsPhase(30)]);
        double seconds = clock.Elapsed.TotalSeconds;

        var x = new double[101, 1];
        var exact = new double[101, 1];
        for (int i = 0; i < 101; i++) (x[i, 0], exact[i, 0]) = (-1 + 0.02 * i, Math.Sin(Math.PI * (-1 + 0.02 * i)));
        double error = Metrics.RelativeL2(trainer.Predict(x), exact);
        output.WriteLine($"Poisson, {kind}: relative L2 {error:E2} after {trainer.Step} iterations in {seconds:F1} s");
        Assert.True(error < 1e-2, $"relative L2 error {error:E2} should be below 1e-2");
        if (net.Body is PirateNet pirate) Assert.NotEqual(0.0, pirate.Blocks[0].Alpha.ToDouble());   // training switched the block on
    }

    [Fact]
    public void CheckpointsRestoreEmbeddingsAndFactorizedLayers()
    {
        string folder = Directory.CreateTempSubdirectory("physis-net-ckpt").FullName;
        try
        {
            var problem = new PdeProblem(new Interval(0, 1), f => -f.Dxx("u") - 1.0, [Condition.Dirichlet("u")]);
            var options = new NetworkOptions
            {
                Embeddings = [new FourierFeatureOptions(4, 1.0),
                    new GaussianFeatureOptions(6, 3) { Lower = [-1, -1, -1, -1, -1, -1, -1, -1], Upper = [1, 1, 1, 1, 1, 1, 1, 1] }],
                Architecture = new ModifiedMlpArchitecture(8, 2),
                WeightFactorization = new(),
            };
            string checkpoint = Path.Combine(folder, "net.ckpt");
            double[,] x = { { 0.1 }, { 0.5 }, { 0.8 } };
            double[,] trained;
            using (var net = new PinnNetwork(1, 1, options, seed: 3, dtype: ScalarType.Float64))
            using (var trainer = new PinnTrainer(problem, net, new Sampling(16, 2), Float64))
            {
                trainer.Train(new AdamPhase(10, 1e-2));
                trainer.SaveCheckpoint(checkpoint);
                trained = trainer.Predict(x);
            }
            var (_, tensors) = TensorArchive.Load(checkpoint);
            Assert.Contains("network/embeddings.0.frequencies", tensors.Keys);
            Assert.Contains("network/body.hidden.0.log_scale", tensors.Keys);

            // Another seed draws other frequencies and weights; the checkpoint restores all of them.
            using var other = new PinnNetwork(1, 1, options, seed: 99, dtype: ScalarType.Float64);
            using var restored = new PinnTrainer(problem, other, new Sampling(16, 2), Float64);
            Assert.NotEqual(trained.Cast<double>(), restored.Predict(x).Cast<double>());
            restored.LoadCheckpoint(checkpoint);
            Assert.Equal(trained.Cast<double>(), restored.Predict(x).Cast<double>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
