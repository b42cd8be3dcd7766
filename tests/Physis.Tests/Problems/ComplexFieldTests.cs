using System.Numerics;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Constraints;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Tests.Problems;

/// <summary>Complex fields and residuals, coordinates by name, and input scaling.</summary>
public class ComplexFieldTests
{
    private static readonly ComplexField H = ComplexField.Of("h");

    /// <summary>i h_t + 0.5 h_xx + |h|^2 h = 0 on [-5, 5] x [0, pi/2], h(x, 0) = 2 sech x, periodic in x.</summary>
    internal static PdeProblem Schrodinger() => new(new Interval(-5, 5).WithTime(0, Math.PI / 2),
        f => (ComplexExpr.I * f.Dt(H) + 0.5 * f.Dxx(H) + f[H].Abs2 * f[H]).Parts,
        [.. H.Initial(p => 2 / Math.Cosh(p[0])), .. H.Periodic("x"), .. H.Periodic("x", 1)], H.Fields);

    /// <summary>
    /// Satsuma and Yajima's two-soliton of the focusing equation from h(x, 0) = 2 sech x:
    /// h = 4 (cosh 3x + 3 e^(4it) cosh x) e^(it/2) / (cosh 4x + 4 cosh 2x + 3 cos 4t), split into its real and imaginary parts.
    /// </summary>
    private static Tensor Part(Tensor[] c, Func<Tensor, Tensor> trig)
    {
        var (x, t) = (c[0], c[1]);
        var denominator = (4 * x).cosh() + 4 * (2 * x).cosh() + 3 * (4 * t).cos();
        return 4 * ((3 * x).cosh() * trig(t / 2) + 3 * x.cosh() * trig(4.5 * t)) / denominator;
    }

    [Fact]
    public void ComplexResidualVanishesForTheExactTwoSoliton()
    {
        var problem = Schrodinger();
        Assert.Equal(["h_re", "h_im"], problem.Fields);
        Assert.Equal(["pde1", "pde2", "initial_h_re", "initial_h_im", "periodic_h_re_x", "periodic_h_im_x", "periodic_h_re_x_d1",
            "periodic_h_im_x_d1"], problem.LossTermNames);
        using var exact = AnalyticNetwork.Of(c => Part(c, t => t.cos()), c => Part(c, t => t.sin()));
        using var trainer = new PinnTrainer(problem, exact, new Sampling(400, Initial: 100), new TrainerOptions { DType = ScalarType.Float64 });
        using (NewDisposeScope())
        {
            var terms = trainer.Loss().Terms.Select(t => t.ToDouble()).ToArray();
            // Residuals of O(1) values cancel to rounding; a sign error in the complex product would leave O(1).
            for (int k = 0; k < 4; k++) Assert.True(terms[k] < 1e-20, $"{problem.LossTermNames[k]} is {terms[k]:E2} for the exact solution");
        }
        var modulus = H.Modulus(problem, trainer.Predict(new double[,] { { 0, 0 }, { 1, 0 } }));
        Assert.Equal(2.0, modulus[0], 12);
        Assert.Equal(2 / Math.Cosh(1), modulus[1], 12);
    }

    [Fact]
    public void ConditionsCoverBothParts()
    {
        var conditions = H.Dirichlet(p => new Complex(1, -2));
        Assert.Equal([1.0, -2.0], conditions.Select(c => c.Target!([0.0])));
        Assert.Equal(["h_re", "h_im"], conditions.Select(c => c.Field));
    }

    [Fact]
    public void CoordinatesAreChosenByName()
    {
        var problem = Schrodinger();
        Assert.Equal(PeriodicEmbeddingOptions.Of(0, 10).Coordinates[0], PeriodicEmbeddingOptions.Of(problem, "x", 10).Coordinates[0]);
        Assert.Equal(PeriodicEmbeddingOptions.Of(1, 3).Coordinates[0], PeriodicEmbeddingOptions.Of(problem, "t", 3).Coordinates[0]);
        Assert.Equal([0], FourierFeatureOptions.On(problem, 16, 2.0, "x").Coordinates!);
        Assert.Equal(1, InterfaceFeatureOptions.On(problem, "t", [0.5]).Coordinate);
        Assert.Equal(DistanceFunction.Above(1, 0).ToString(), DistanceFunction.Above(problem, "t", 0).ToString());
        Assert.Equal(DistanceFunction.Box([-5, 0], [5, 1], [0, 1]).ToString(), DistanceFunction.Box(problem, [-5, 0], [5, 1], "x", "t").ToString());
        Assert.Equal(DistanceFunction.Ball([0.5], 2, [1]).ToString(), DistanceFunction.Ball(problem, [0.5], 2, "t").ToString());
        using (NewDisposeScope())
        {
            var x = tensor(new double[,] { { 1, 0.5 }, { -2, 0 } }, ScalarType.Float64);
            var y = tensor(new double[,] { { 3, 4 }, { 5, 6 } }, ScalarType.Float64);
            Func<Tensor, Tensor> u0 = p => p[.., 0..1].sin();
            var byIndex = HardConstraints.Initial(1, 0, u0, fields: [1])(x, y).data<double>().ToArray();
            Assert.Equal(byIndex, HardConstraints.Initial(problem, u0, fields: ["h_im"])(x, y).data<double>().ToArray());
            Func<Tensor, Tensor> v0 = p => p[.., 0..1].cos();
            var withVelocity = HardConstraints.InitialWithVelocity(1, 0, u0, v0, fields: [1], timeScale: 0.3)(x, y).data<double>().ToArray();
            Assert.Equal(withVelocity,
                HardConstraints.InitialWithVelocity(problem, u0, v0, fields: ["h_im"], timeScale: 0.3)(x, y).data<double>().ToArray());
            Assert.NotEqual(byIndex, withVelocity);
            var walls = DistanceFunction.Box(problem, [-5], [5], "x");
            Assert.Equal(HardConstraints.Dirichlet(walls, u0, [0])(x, y).data<double>().ToArray(),
                HardConstraints.Dirichlet(problem, walls, u0, ["h_re"])(x, y).data<double>().ToArray());
        }
        var unknown = Assert.Throws<ArgumentException>(() => PeriodicEmbeddingOptions.Of(problem, "y", 1));
        Assert.Contains("x, t", unknown.Message);
    }

    [Fact]
    public void InputScalingMapsTheBoxToTheUnitCube()
    {
        var box = new BoundingBox([-5, 0], [5, Math.PI / 2]);
        using var scaling = new InputScaling(box, ScalarType.Float64);
        var mapped = scaling.forward(tensor(new double[,] { { -5, 0 }, { 5, Math.PI / 2 }, { 0, Math.PI / 4 } }, ScalarType.Float64));
        Assert.Equal([-1.0, -1.0, 1.0, 1.0, 0.0, 0.0], mapped.data<double>().ToArray().Select(v => Math.Round(v, 14)));
        // An MLP with scaling equals one without it fed the mapped inputs (same seed, so the same weights).
        using var scaled = new Mlp(2, [8], 1, seed: 4, dtype: ScalarType.Float64, inputBox: box);
        using var plain = new Mlp(2, [8], 1, seed: 4, dtype: ScalarType.Float64);
        var x = tensor(new double[,] { { 3, 1 }, { -4, 0.2 } }, ScalarType.Float64);
        Assert.Equal(plain.forward(scaling.forward(x)).data<double>().ToArray(), scaled.forward(x).data<double>().ToArray());
        Assert.Contains(scaled.named_buffers(), b => b.name == "scaling.center");
        Assert.Throws<ArgumentException>(() => new InputScaling(new BoundingBox([0], [0])));
        var both = new NetworkOptions { ScaleInputs = true, Embeddings = [PeriodicEmbeddingOptions.Of(0, 1)] };
        Assert.Throws<ArgumentException>(() => both.Validate(2, 1));
    }
}
