using Physis.Differentiation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Constraints;
using static TorchSharp.torch;

namespace Physis.Tests.Differentiation;

/// <summary>Line forms must equal the function at the moved points; estimators through them must equal the plain path.</summary>
public class PointLinesTests
{
    private const int N = 5, D = 7;

    private static Tensor Points(ulong seed) => randn([N, D], ScalarType.Float64, generator: new Generator(seed)) * 0.4;

    private static PointLines Axes(Tensor x) => PointLines.AlongAxes(x, tensor(new long[] { 3, 0, 6 }),
        randn([3 * N, 1], ScalarType.Float64, generator: new Generator(11)));

    private static PointLines Dense(Tensor x) => PointLines.AlongDirections(x, randn([2, N, D], ScalarType.Float64, generator: new Generator(12)),
        randn([2 * N, 1], ScalarType.Float64, generator: new Generator(13)));

    private static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<double>();
        Assert.True(scale > 1e-3, "the comparison would be vacuous");
        Assert.True((expected - actual).abs().max().item<double>() <= tolerance * scale,
            $"max difference {(expected - actual).abs().max().item<double>():E3} at scale {scale:E3}");
    }

    [Fact]
    public void LinearMapsAndSquaredDistancesEqualTheMovedPoints()
    {
        using var scope = NewDisposeScope();
        var x = Points(1);
        var weight = randn([4, D], ScalarType.Float64, generator: new Generator(2));
        var bias = randn([4], ScalarType.Float64, generator: new Generator(3));
        var centre = randn([D], ScalarType.Float64, generator: new Generator(4)) * 0.1;
        foreach (var lines in new[] { Axes(x), Dense(x) })
        {
            var moved = lines.Materialize();
            Close(moved.matmul(weight.t()) + bias, lines.Linear(weight, bias), 1e-13);
            Close((moved - centre).square().sum(1, keepdim: true), lines.SquaredDistance(centre), 1e-13);
        }
        // Axis lines move exactly one coordinate: row c n + j is point j with coordinate axes[c] shifted by its offset.
        var axes = Axes(x);
        var shift = axes.Materialize().reshape(3, N, D) - x.unsqueeze(0);
        Assert.Equal(0, shift[0][.., ..3].abs().max().item<double>());
        Close(axes.Offsets.reshape(3, N)[0], shift[0][.., 3], 1e-15);
    }

    public static TheoryData<string> Networks => ["plain", "scaled", "ball-constrained", "scaled-ball-constrained", "other-transform"];

    private static Mlp Network(string kind)
    {
        var box = new BoundingBox([.. Enumerable.Repeat(-2.0, D)], [.. Enumerable.Range(0, D).Select(i => 1.0 + i)]);
        OutputTransform? transform = kind switch
        {
            "ball-constrained" or "scaled-ball-constrained" => HardConstraints.Dirichlet(DistanceFunction.For(Ball.Unit(D)), 0.0),
            "other-transform" => (x, y) => y * x[.., ..1].cos(),
            _ => null,
        };
        return new Mlp(D, [9, 8], 2, seed: 5, dtype: ScalarType.Float64, outputTransform: transform,
            inputBox: kind.StartsWith("scaled", StringComparison.Ordinal) ? box : null);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void TheMlpLineFormEqualsTheMlpAtTheMovedPoints(string kind)
    {
        using var scope = NewDisposeScope();
        using var network = Network(kind);
        var x = Points(6);
        foreach (var lines in new[] { Axes(x), Dense(x), PointLines.At(x) })
            Close(network.forward(lines.Materialize()), network.Along(lines), 1e-12);
    }

    public static TheoryData<LaplacianEstimatorKind> Kinds =>
    [
        LaplacianEstimatorKind.Exact, LaplacianEstimatorKind.Sdgd, LaplacianEstimatorKind.Hutchinson,
        LaplacianEstimatorKind.StdeSparse, LaplacianEstimatorKind.StdeDense,
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EstimatesThroughTheLineFormEqualThePlainPath(LaplacianEstimatorKind kind)
    {
        // The same seed draws the same directions, so the two paths compute the same estimate, and so do the parameter
        // gradients of a loss made from it.
        using var scope = NewDisposeScope();
        using var network = Network("scaled-ball-constrained");
        var x = Points(7);
        var options = new LaplacianEstimatorOptions(kind, Directions: 3, Seed: 8);
        Tensor Field(Tensor p) => network.forward(p)[.., 1];
        var plain = new LaplacianEstimator(options).Estimate(Field, x);
        var plainGradient = autograd.grad([plain.square().sum()], [network.parameters().First()], retain_graph: true)[0];
        var lines = new LaplacianEstimator(options).Estimate(new SecondOutput(network), x);
        var linesGradient = autograd.grad([lines.square().sum()], [network.parameters().First()])[0];
        Close(plain, lines, 1e-10);
        Close(plainGradient, linesGradient, 1e-10);
    }

    [Fact]
    public void JetsOfTheMlpEqualNestedAutograd()
    {
        // Sparse STDE over all coordinates is the sum of the second derivatives along every axis, taken by differentiating
        // the line form twice in t; nested autograd of the plain network gives the same Laplacian to 1e-10.
        using var scope = NewDisposeScope();
        using var network = Network("scaled-ball-constrained");
        var x = Points(9).requires_grad_(true);
        var u = network.forward(x)[.., 1..2];
        var gradient = autograd.grad([u.sum()], [x], retain_graph: true, create_graph: true)[0];
        Tensor nested = zeros(N, ScalarType.Float64);
        for (int i = 0; i < D; i++)
            nested = nested + autograd.grad([gradient[.., i].sum()], [x], retain_graph: true)[0][.., i];
        var jets = new LaplacianEstimator(new LaplacianEstimatorOptions(LaplacianEstimatorKind.StdeSparse, Directions: D))
            .Estimate(new SecondOutput(network), x.detach());
        Close(nested.detach(), jets.detach(), 1e-10);
    }

    [Fact]
    public void TheBallDistanceIsTheSameInEveryForm()
    {
        using var scope = NewDisposeScope();
        var x = Points(10);
        var centre = new[] { 0.1, -0.2, 0.3, 0, 0, 0.05, -0.1 };
        var leading = DistanceFunction.Ball(centre, 1.5);
        var listed = DistanceFunction.Ball(centre, 1.5, [0, 1, 2, 3, 4, 5, 6]);
        var permuted = DistanceFunction.Ball([centre[1], centre[0], .. centre[2..]], 1.5, [1, 0, 2, 3, 4, 5, 6]);
        Close(leading.Evaluate(x), permuted.Evaluate(x), 1e-14);
        Close(leading.Evaluate(x), listed.Evaluate(x), 1e-14);
        var lines = Dense(x);
        Close(permuted.Along(lines), leading.Along(lines), 1e-13);
        Close(leading.Evaluate(lines.Materialize()), leading.Along(lines), 1e-13);
    }

    private sealed class SecondOutput(Mlp network) : ILineFunction
    {
        public Tensor Along(PointLines lines) => network.Along(lines)[.., 1];
    }
}
